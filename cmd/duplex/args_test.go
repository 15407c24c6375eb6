package main

import "testing"

// TestSuggest: a typo gets its flag, a word that is merely related gets
// none, and the nearest candidate wins.
func TestSuggest(t *testing.T) {
	flags := []string{"addr", "app", "js-timeout", "js-workers", "read-timeout", "ts"}
	for _, c := range []struct{ name, want string }{
		{"js-timout", " (did you mean --js-timeout?)"},  // a letter left out
		{"js-tiemout", " (did you mean --js-timeout?)"}, // two swapped: two edits
		{"adr", " (did you mean --addr?)"},
		{"apps", " (did you mean --app?)"},
		{"tss", " (did you mean --ts?)"},
		{"timeout", ""}, // three edits from js-timeout: too far for 7 letters
		{"frobnicate", ""},
		{"x", ""},
	} {
		if got := suggest("--", c.name, flags); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"10s": "10s", "127.0.0.1:8080": "127.0.0.1:8080", "": "''", "yes please": "'yes please'", "it's": `'it'\''s'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
