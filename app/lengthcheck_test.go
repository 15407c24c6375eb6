package app

import "testing"

// The watch finds a Content-Length header name in any case, wherever the
// reads split the bytes, and nothing else.
func TestLengthWatch(t *testing.T) {
	cases := map[string]bool{
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n": true,
		"POST / HTTP/1.1\r\nhost: x\r\nCONTENT-LENGTH: 5\r\n\r\n":                               true,
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n":                      false,
		"GET / HTTP/1.1\r\nX-Content-Lengthy: 1\r\nContent-Lengt: 2\r\n\r\n":                    false,
	}
	for in, want := range cases {
		for split := 0; split <= len(in); split++ {
			for _, size := range []int{1, 3, 7, len(in) + 1} {
				var w lengthWatch
				w.scan([]byte(in[:split]))
				rest := in[split:]
				for len(rest) > 0 {
					k := min(size, len(rest))
					w.scan([]byte(rest[:k]))
					rest = rest[k:]
				}
				if w.saw != want {
					t.Fatalf("%q split at %d, reads of %d: saw %v, want %v", in, split, size, w.saw, want)
				}
			}
		}
	}
}
