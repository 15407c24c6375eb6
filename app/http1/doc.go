// Package http1 serves plain HTTP/1.1 keep-alive requests from its own
// epoll loop, without a goroutine per connection, and hands every
// connection it does not fully understand to net/http.
//
// net/http spends a goroutine, a read deadline, a background read and a
// context per request; under keep-alive load that is about a third of a
// small controller's time, and its scheduling puts the slowest answers at
// four times the median. Here a few pollers wait on one epoll set and each
// serves the connections it finds readable on its own goroutine: read,
// parse, run the handler, write the answer in one write.
//
// The fast path takes only what it parses completely and strictly: an
// HTTP/1.1 request whose head and body have arrived, with one Host, at
// most one Content-Length and no Transfer-Encoding or Expect, methods in
// upper case, an origin-form target. Anything else (a partial request, a
// chunked body, HTTP/1.0, HEAD, an odd byte anywhere in the head, an
// answer that does not fit the socket's send buffer) moves the connection,
// with the bytes already read, to net/http for the rest of its life, which
// answers it exactly as it would have from the start: request smuggling,
// oversized heads and slow clients meet net/http's defences, not a second
// set of our own (FuzzParseHead holds the two parsers to the same reading).
package http1
