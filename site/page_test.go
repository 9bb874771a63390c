package site

import "testing"

func TestCompactBlocks(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<table>\n<thead>\n<tr>\n<th>A</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>x</td>\n<td>y</td>\n</tr>\n</tbody>\n</table>\n<p>z</p>",
			"<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>x</td><td>y</td></tr></tbody></table><p>z</p>"},
		{`<section class="node-section">` + "\n" + `<h3 id="node-a">Node</h3>` + "\n<p>d</p>\n</section>",
			`<section class="node-section"><h3 id="node-a">Node</h3><p>d</p></section>`},
		// Inline breaks and code are kept.
		{"<p><code>a</code>\n<code>b</code></p>\n<pre><code>&lt;tr&gt;\n&lt;td&gt;\n</code></pre>",
			"<p><code>a</code>\n<code>b</code></p>\n<pre><code>&lt;tr&gt;\n&lt;td&gt;\n</code></pre>"},
		{"<td>a</td>\n<tdx>", "<td>a</td>\n<tdx>"},
	} {
		if got := string(compactBlocks([]byte(tc.in))); got != tc.want {
			t.Errorf("compactBlocks(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
