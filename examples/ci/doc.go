// Package ci holds a GitHub Actions workflow for an app built with Fluxly
// (docs.yml: golden tests, the docs drift check, the schema diff against
// the last release, and the site) and the test that runs its commands on
// a small app in a throwaway git repository, offline (ci_test.go). See
// README.md.
package ci
