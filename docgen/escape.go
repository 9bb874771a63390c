package docgen

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the escaping of user text for each output: Markdown text
// and code spans, shell words, DOT strings and Mermaid labels.

// clean makes user text safe to embed anywhere: invalid UTF-8, control
// characters (but newline and tab) and bidirectional overrides become
// U+FFFD; CRLF and CR become LF and tabs a space.
func clean(s string) string {
	needs := false
	for _, r := range s {
		if r == utf8.RuneError || r == '\r' || r == '\t' || (r != '\n' && unsafeRune(r)) {
			needs = true
			break
		}
	}
	if !needs {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == '\n':
			b.WriteByte('\n')
		case unsafeRune(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune reports control characters and the Unicode bidirectional
// embedding, override and isolate controls, which can make text display in
// an order other than the one it is read in.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// oneLine is clean text with every run of whitespace containing a newline
// turned into one space, and outer space trimmed.
func oneLine(s string) string {
	s = clean(s)
	if !strings.Contains(s, "\n") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// mdText escapes s as inline Markdown text on one line: every character
// that could start markup (emphasis, links, raw HTML, entities, code,
// table pipes, heading attributes) is backslash-escaped.
func mdText(s string) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '_':
			// Between letters or digits an underscore cannot open or close
			// emphasis: snake_case stays readable in the source.
			if i == 0 || i == len(s)-1 || !alnum(s[i-1]) || !alnum(s[i+1]) {
				b.WriteByte('\\')
			}
		case '\\', '`', '*', '[', ']', '<', '>', '&', '|', '~', '{', '}', '#', '$':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// mdParagraphs escapes multi-line text as Markdown paragraphs: lines of a
// paragraph are joined, blank lines separate paragraphs, and a character
// that could open a block (list, heading, quote, rule) at the start of a
// paragraph is escaped.
func mdParagraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(clean(s), "\n\n") {
		p = mdText(p)
		if p == "" {
			continue
		}
		out = append(out, escapeBlockStart(p))
	}
	return out
}

// escapeBlockStart escapes a first character that would make a line a list
// item, heading, quote, thematic break or setext underline.
func escapeBlockStart(p string) string {
	switch p[0] {
	case '-', '+', '=':
		return "\\" + p
	}
	i := 0
	for i < len(p) && i < 9 && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	if i > 0 && i < len(p) && (p[i] == '.' || p[i] == ')') {
		return p[:i] + "\\" + p[i:]
	}
	return p
}

// mdCode returns s as an inline code span, on one line, with a fence longer
// than any backtick run inside. It returns "" for empty text.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' || s[len(s)-1] == ' ' {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// cellCode is mdCode for a table cell: GFM splits cells on '|' even inside
// code spans unless it is escaped, and unescapes it again in the span.
func cellCode(s string) string {
	return strings.ReplaceAll(mdCode(s), "|", `\|`)
}

// codeFence returns a fence for a fenced code block holding content.
func codeFence(content string) string {
	return strings.Repeat("`", max(3, longestRun(content, '`')+1))
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// shellWord quotes s for a POSIX shell: bare when it is made of characters
// no shell treats specially, single-quoted otherwise.
func shellWord(s string) string {
	s = clean(s)
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < utf8.RuneSelf && (r == '_' || r == '-' || r == '.' || r == '/' || r == ':' || r == ',' || r == '@' || r == '%' || r == '+' || r == '=' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dotString returns s as a quoted DOT string for a label: quotes and
// backslashes escaped (so Graphviz's \N, \G and \l escapes cannot form),
// newlines as \n. An '&' is written as "&amp;" because Graphviz decodes
// HTML entities in labels.
func dotString(s string) string { return dotQuote(s, `\\`) }

// dotTooltip is dotString for tooltips, which Graphviz unescapes twice:
// once for backslashes, once more for \N and its kind.
func dotTooltip(s string) string { return dotQuote(s, `\\\\`) }

func dotQuote(s, backslash string) string {
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(backslash)
		case '\n':
			b.WriteString(`\n`)
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// htmlText returns s as the text of a Graphviz HTML-like label, which is
// XML: markup characters as entities, newlines as <br/>, and the two
// characters XML forbids that clean keeps (U+FFFE, U+FFFF) as U+FFFD.
// Graphviz still expands \G, \E, \H and \T in that text (after decoding
// entities), and reads a doubled backslash as one: backslashes are doubled.
func htmlText(s string) string {
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\n':
			b.WriteString("<br/>")
		case '\\':
			b.WriteString(`\\`)
		case 0xFFFE, 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mermaidString returns s as a quoted Mermaid label on one line, with
// Mermaid's entity codes for every character its parser or its HTML labels
// could take for syntax.
func mermaidString(s string) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		case '#':
			b.WriteString("#35;")
		case '`':
			b.WriteString("#96;")
		case '|':
			b.WriteString("#124;")
		case ';':
			b.WriteString("#59;")
		case '\\':
			b.WriteString("#92;")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
