// Command soakclient is the load generator of the soak test
// (test/soak/soak_test.go). It runs as a process of its own, so that its sockets
// do not count against the server's open-file limit.
//
// It opens -sessions WebSocket sessions to the soak app's chat service
// (test/testdata/apps/soak), spread over the loopback source addresses
// 127.0.0.2.. (-sources) so that one source address's ephemeral ports are
// not exhausted. Session i joins room i / -room-size as member i % -room-size.
//
// The accounting:
//
//  1. Every session connects; the server adds it to its room's group in the
//     open event and only then sends it "joined <size>". Chatting starts once
//     every session has received that (the barrier): from then on every
//     session is a member of its group.
//  2. For -duration, each session sends "m <room> <member> <seq> <nanos> "
//     padded to -size bytes, seq = 1, 2, ..., one every -interval-min to
//     -interval-max (uniform jitter; the first one after a random part of
//     -interval-max, so that the sessions are spread in time).
//  3. Sending stops at -duration. The expected deliveries are then known:
//     every member of a room receives every message every member of the room
//     sent (itself included), and nobody left: a session that closes or
//     fails before the end is an error.
//  4. Drain: wait until every expected delivery arrived, or -drain-timeout.
//  5. Every session sends a close frame (1000) and waits for the server's;
//     only then is the connection closed.
//
// Per receiver and sender, messages must arrive with seq 1, 2, 3, ...:
// a message whose seq is past the next expected one leaves a gap; a later
// message that fills the gap counts as reordered; one that was already
// received is a duplicate; a gap still open at the end, or messages never
// received after the last one that was, are lost.
//
// The summary (package report) is one JSON object on stdout; progress goes to stderr. The exit
// status is 0 only with every session connected and closed cleanly, nothing
// lost, reordered, duplicated or unexpected, and no error. The process exits
// by itself after -deadline whatever happens (status 2).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

type config struct {
	addr        string
	path        string
	sessions    int
	roomSize    int
	duration    time.Duration
	intervalMin time.Duration
	intervalMax time.Duration
	size        int
	sources     int
	dialPar     int
	joinTimeout time.Duration
	drainTO     time.Duration
	closeTO     time.Duration
	deadline    time.Duration
	progress    time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "", "server address, 127.0.0.1:PORT (required)")
	flag.StringVar(&c.path, "path", "/_/service/soak/chat", "path of the chat service")
	flag.IntVar(&c.sessions, "sessions", 10000, "sessions")
	flag.IntVar(&c.roomSize, "room-size", 100, "members per room (group)")
	flag.DurationVar(&c.duration, "duration", time.Minute, "how long the sessions chat")
	flag.DurationVar(&c.intervalMin, "interval-min", 5*time.Second, "shortest pause between two messages of a session")
	flag.DurationVar(&c.intervalMax, "interval-max", 10*time.Second, "longest pause between two messages of a session")
	flag.IntVar(&c.size, "size", 64, "message size in bytes (at least the header)")
	flag.IntVar(&c.sources, "sources", 8, "loopback source addresses 127.0.0.2 ... to spread the connections over")
	flag.IntVar(&c.dialPar, "dial-concurrency", 64, "handshakes in flight at once")
	flag.DurationVar(&c.joinTimeout, "join-timeout", 2*time.Minute, "longest wait for every session to connect and join")
	flag.DurationVar(&c.drainTO, "drain-timeout", 30*time.Second, "longest wait for the expected deliveries after sending stopped")
	flag.DurationVar(&c.closeTO, "close-timeout", 30*time.Second, "longest wait for the closing handshakes")
	flag.DurationVar(&c.deadline, "deadline", 0, "exit (status 2) after this long whatever happens; 0: join+duration+drain+close timeouts + 30s")
	flag.DurationVar(&c.progress, "progress", 10*time.Second, "progress line interval on stderr; 0 for none")
	flag.Parse()
	if c.addr == "" || c.sessions <= 0 || c.roomSize <= 0 || c.intervalMin <= 0 || c.intervalMax < c.intervalMin || c.sources <= 0 || c.dialPar <= 0 {
		fmt.Fprintln(os.Stderr, "soakclient: bad flags (need -addr, positive sizes, 0 < interval-min <= interval-max)")
		flag.Usage()
		os.Exit(2)
	}
	if c.deadline == 0 {
		c.deadline = c.joinTimeout + c.duration + c.drainTO + c.closeTO + 30*time.Second
	}
	r := newRun(c)
	timer := time.AfterFunc(c.deadline, func() {
		r.errorf("deadline", "the run did not finish within -deadline %v", c.deadline)
		r.printSummary("deadline")
		os.Exit(2)
	})
	ok := r.run()
	timer.Stop()
	if !ok {
		os.Exit(1)
	}
}
