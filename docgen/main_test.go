package docgen_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Files runs workers; none may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
