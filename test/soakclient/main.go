// Command soakclient is the load generator of the soak test
// (test/soak_test.go). It runs as a process of its own, so that its sockets
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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"duplex/internal/latency"
	"duplex/test/soakclient/report"
)

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT (linux/in.h): bind() to a
// source address without choosing the port yet, so that connect() picks one
// per 4-tuple and every 127.0.0.x source has the whole ephemeral range.
const ipBindAddressNoPort = 24

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

// ---------------------------------------------------------------------------

type run struct {
	cfg   config
	start time.Time

	rooms    int
	sessions []*session

	// Phase signals.
	joinedN   atomic.Int64
	allJoined chan struct{}
	chatting  atomic.Bool // set at the barrier: messages may flow
	closing   atomic.Bool // set when we start closing: closes are expected

	sent     atomic.Int64
	received atomic.Int64 // chat deliveries
	target   atomic.Int64 // expected deliveries, known once sending stopped
	drained  chan struct{}
	drainOne sync.Once

	lat latency.Histogram

	mu          sync.Mutex
	errs        map[string]int64
	errSamples  []string
	anomalies   []string
	summaryOnce sync.Once

	phase struct {
		connect, chat, drain, close time.Duration
	}
	connected int
}

const maxSamples = 25

func newRun(c config) *run {
	r := &run{
		cfg:       c,
		rooms:     (c.sessions + c.roomSize - 1) / c.roomSize,
		allJoined: make(chan struct{}),
		drained:   make(chan struct{}),
		errs:      map[string]int64{},
	}
	r.target.Store(math.MaxInt64)
	return r
}

func (r *run) errorf(kind, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[kind]++
	if len(r.errSamples) < maxSamples {
		r.errSamples = append(r.errSamples, fmt.Sprintf("%s at %.3fs: %s", kind, time.Since(r.start).Seconds(), fmt.Sprintf(format, args...)))
	}
}

func (r *run) anomaly(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.anomalies) < maxSamples {
		r.anomalies = append(r.anomalies, fmt.Sprintf("at %.3fs: ", time.Since(r.start).Seconds())+fmt.Sprintf(format, args...))
	}
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "soakclient %7.2fs: %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

func (r *run) addReceived() {
	if n := r.received.Add(1); n >= r.target.Load() {
		r.drainOne.Do(func() { close(r.drained) })
	}
}

func (r *run) run() bool {
	c := r.cfg
	r.start = time.Now()
	stopProgress := make(chan struct{})
	if c.progress > 0 {
		go r.progressLoop(stopProgress)
	}
	defer close(stopProgress)

	// 1. Connect and join.
	r.sessions = make([]*session, c.sessions)
	for i := range r.sessions {
		r.sessions[i] = &session{
			r:      r,
			idx:    i,
			room:   i / c.roomSize,
			member: i % c.roomSize,
			next:   make([]int32, c.roomSize),
			done:   make(chan struct{}),
		}
		for m := range r.sessions[i].next {
			r.sessions[i].next[m] = 1
		}
	}
	r.logf("connecting %d sessions in %d rooms of %d to %s from %d source addresses", c.sessions, r.rooms, c.roomSize, c.addr, c.sources)
	ctx, cancel := context.WithTimeout(context.Background(), c.joinTimeout)
	r.connectAll(ctx)
	var readers sync.WaitGroup
	for _, s := range r.sessions {
		if s.conn != nil {
			r.connected++
			readers.Add(1)
			go func() {
				defer readers.Done()
				s.readLoop()
			}()
		}
	}
	joined := r.connected == c.sessions
	if joined {
		select {
		case <-r.allJoined:
		case <-ctx.Done():
			joined = false
			r.errorf("join", "only %d of %d sessions joined within %v", r.joinedN.Load(), c.sessions, c.joinTimeout)
		}
	}
	cancel()
	r.phase.connect = time.Since(r.start)
	if !joined {
		r.logf("not every session connected and joined: stopping")
		r.closeAll(&readers)
		return r.finish()
	}
	r.logf("all %d sessions joined in %v; chatting for %v", c.sessions, r.phase.connect.Round(time.Millisecond), c.duration)

	// 2. Chat.
	chatStart := time.Now()
	stop := chatStart.Add(c.duration)
	r.chatting.Store(true)
	var senders sync.WaitGroup
	for _, s := range r.sessions {
		senders.Add(1)
		go func() {
			defer senders.Done()
			s.sendLoop(stop)
		}()
	}
	senders.Wait()
	r.phase.chat = time.Since(chatStart)

	// 3. Drain.
	drainStart := time.Now()
	var want int64
	for _, s := range r.sessions {
		want += s.sent.Load() // every member of the room receives it
	}
	want *= int64(c.roomSize)
	// The last room may be smaller.
	if rem := c.sessions % c.roomSize; rem != 0 {
		var lastSent int64
		for _, s := range r.sessions[(r.rooms-1)*c.roomSize:] {
			lastSent += s.sent.Load()
		}
		want -= lastSent * int64(c.roomSize-rem)
	}
	r.target.Store(want)
	if r.received.Load() >= want {
		r.drainOne.Do(func() { close(r.drained) })
	}
	r.logf("sending stopped: %d messages sent, %d deliveries expected, %d so far", r.sent.Load(), want, r.received.Load())
	select {
	case <-r.drained:
	case <-time.After(c.drainTO):
		r.errorf("drain", "only %d of %d expected deliveries arrived within %v after sending stopped", r.received.Load(), want, c.drainTO)
	}
	r.phase.drain = time.Since(drainStart)

	// 4. Close.
	r.closeAll(&readers)
	return r.finish()
}

// connectAll dials every session, -dial-concurrency at a time; a failed
// handshake is an error (there are no retries).
func (r *run) connectAll(ctx context.Context) {
	c := r.cfg
	sources := make([]net.IP, c.sources)
	for i := range sources {
		sources[i] = net.IPv4(127, 0, 0, byte(2+i))
	}
	jobs := make(chan *session)
	var wg sync.WaitGroup
	for w := 0; w < c.dialPar; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if err := s.dial(ctx, sources[s.idx%len(sources)]); err != nil {
					r.errorf("handshake", "session %d (room %d): %v", s.idx, s.room, err)
				}
			}
		}()
	}
	for _, s := range r.sessions {
		if ctx.Err() != nil {
			break
		}
		jobs <- s
	}
	close(jobs)
	wg.Wait()
}

// closeAll starts the closing handshake of every session and waits for the
// readers, forcing the connections shut after -close-timeout.
func (r *run) closeAll(readers *sync.WaitGroup) {
	start := time.Now()
	r.closing.Store(true)
	for _, s := range r.sessions {
		if s.conn != nil {
			s.sendClose()
		}
	}
	done := make(chan struct{})
	go func() {
		readers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(r.cfg.closeTO):
		n := 0
		for _, s := range r.sessions {
			select {
			case <-s.done:
			default:
				if s.conn != nil {
					n++
					s.conn.Close()
				}
			}
		}
		r.errorf("close", "%d sessions did not finish the closing handshake within %v", n, r.cfg.closeTO)
		<-done
	}
	r.phase.close = time.Since(start)
}

func (r *run) progressLoop(stop chan struct{}) {
	t := time.NewTicker(r.cfg.progress)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			r.mu.Lock()
			nerr := int64(0)
			for _, n := range r.errs {
				nerr += n
			}
			r.mu.Unlock()
			r.logf("joined %d, sent %d, received %d, errors %d", r.joinedN.Load(), r.sent.Load(), r.received.Load(), nerr)
		}
	}
}

// ---------------------------------------------------------------------------

// finish does the per-receiver accounting (the readers are done) and prints
// the summary.
func (r *run) finish() bool {
	return r.printSummary("")
}

// printSummary prints the summary once and reports whether the run passed.
// status is "" for a finished run: only then are the readers' states final
// and accounted.
func (r *run) printSummary(status string) bool {
	ok := false
	r.summaryOnce.Do(func() {
		sm := r.summarize(status)
		ok = sm.OK
		b, _ := json.MarshalIndent(sm, "", "  ")
		os.Stdout.Write(append(b, '\n'))
	})
	return ok
}

func (r *run) summarize(status string) report.Summary {
	var sm report.Summary
	c := r.cfg
	sm.Sessions, sm.Rooms, sm.RoomSize = c.sessions, r.rooms, c.roomSize
	sm.Connected, sm.Joined = r.connected, r.joinedN.Load()
	sm.Sent, sm.Received = r.sent.Load(), r.received.Load()
	if t := r.target.Load(); t != math.MaxInt64 {
		sm.ExpectedDeliveries = t
	}
	if status == "" {
		// Only after the readers finished: their state is final.
		for _, s := range r.sessions {
			room := r.sessions[s.room*c.roomSize : min((s.room+1)*c.roomSize, c.sessions)]
			for m, snd := range room {
				sent := int32(snd.sent.Load())
				got := s.next[m] - 1 // highest seq received in order or past a gap
				if sent > got {
					sm.Lost += int64(sent - got)
					if r.chatting.Load() {
						r.anomaly("receiver %d (room %d) never got seq %d..%d of member %d", s.idx, s.room, got+1, sent, m)
					}
				}
			}
			sm.Lost += int64(len(s.missing))
			for k := range s.missing {
				r.anomaly("receiver %d (room %d): seq %d of member %d never arrived (a later one did)", s.idx, s.room, k.seq, k.member)
			}
			sm.Reordered += s.reordered
			sm.Duplicates += s.duplicates
			sm.Unexpected += s.unexpected
		}
	}
	r.mu.Lock()
	for _, n := range r.errs {
		sm.Errors += n
	}
	if len(r.errs) > 0 {
		sm.ErrorKinds = r.errs
	}
	sm.ErrorSamples = r.errSamples
	sm.Anomalies = r.anomalies
	r.mu.Unlock()
	sm.ConnectSeconds = r.phase.connect.Seconds()
	sm.ChatSeconds = r.phase.chat.Seconds()
	sm.DrainSeconds = r.phase.drain.Seconds()
	sm.CloseSeconds = r.phase.close.Seconds()
	sm.ElapsedSeconds = time.Since(r.start).Seconds()
	if sm.ChatSeconds > 0 {
		sm.MessagesPerSecond = float64(sm.Sent) / sm.ChatSeconds
		sm.DeliveriesPerSec = float64(sm.Received) / sm.ChatSeconds
	}
	sm.LatencyP50Ms = r.lat.Quantile(0.5).Seconds() * 1000
	sm.LatencyP99Ms = r.lat.Quantile(0.99).Seconds() * 1000
	sm.LatencyP999Ms = r.lat.Quantile(0.999).Seconds() * 1000
	sm.LatencyMaxMs = r.lat.Max().Seconds() * 1000
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		sm.ClientCPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	sm.OK = status == "" && sm.Connected == c.sessions && sm.Joined == int64(c.sessions) &&
		sm.Lost == 0 && sm.Reordered == 0 && sm.Duplicates == 0 && sm.Unexpected == 0 &&
		sm.Errors == 0 && sm.Received == sm.ExpectedDeliveries
	sm.Status = status
	if sm.Status == "" {
		sm.Status = "failed"
		if sm.OK {
			sm.Status = "ok"
		}
	}
	return sm
}

// ---------------------------------------------------------------------------

type missingKey struct {
	member int
	seq    int32
}

type session struct {
	r      *run
	idx    int
	room   int
	member int

	conn net.Conn
	br   *bufio.Reader

	wmu    sync.Mutex
	wbuf   []byte
	closed bool // our close frame is sent (guarded by wmu)

	sent atomic.Int64 // messages sent; the last seq
	done chan struct{}

	// Reader-only state.
	joined     bool
	next       []int32 // per member of the room: the next seq expected
	missing    map[missingKey]struct{}
	reordered  int64
	duplicates int64
	unexpected int64
	buf        []byte
}

func (s *session) dial(ctx context.Context, src net.IP) error {
	nd := &net.Dialer{
		LocalAddr: &net.TCPAddr{IP: src},
		Control: func(network, address string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
			}); err != nil {
				return err
			}
			return serr
		},
	}
	d := ws.Dialer{
		ReadBufferSize: 2048,
		Timeout:        30 * time.Second,
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nd.DialContext(ctx, network, addr)
		},
	}
	url := "ws://" + s.r.cfg.addr + s.r.cfg.path + "?room=r" + strconv.Itoa(s.room)
	conn, br, _, err := d.Dial(ctx, url)
	if err != nil {
		return err
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, 2048)
	}
	s.conn, s.br = conn, br
	return nil
}

// readLoop reads frames until the closing handshake completes or the
// connection fails; it answers pings.
func (s *session) readLoop() {
	r := s.r
	defer close(s.done)
	defer s.conn.Close()
	for {
		h, err := ws.ReadHeader(s.br)
		if err != nil {
			s.readFailed(err)
			return
		}
		if h.Length > 1<<20 {
			r.errorf("protocol", "session %d: frame of %d bytes", s.idx, h.Length)
			return
		}
		if int64(cap(s.buf)) < h.Length {
			s.buf = make([]byte, h.Length)
		}
		p := s.buf[:h.Length]
		if _, err := io.ReadFull(s.br, p); err != nil {
			s.readFailed(err)
			return
		}
		if h.Masked {
			r.errorf("protocol", "session %d: masked frame from the server", s.idx)
			return
		}
		if !h.Fin || h.OpCode == ws.OpContinuation {
			// The server writes every message as one frame.
			r.errorf("protocol", "session %d: fragmented frame (op %v, fin %v)", s.idx, h.OpCode, h.Fin)
			return
		}
		switch h.OpCode {
		case ws.OpPing:
			if err := s.write(ws.OpPong, p); err != nil && !r.closing.Load() {
				r.errorf("write", "session %d: pong: %v", s.idx, err)
			}
		case ws.OpPong:
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(p)
			if !r.closing.Load() || code != ws.StatusNormalClosure {
				r.errorf("unexpected_close", "session %d (room %d): server closed with %d %q", s.idx, s.room, code, reason)
			}
			return
		case ws.OpText:
			s.onText(p)
		default:
			s.unexpected++
			r.anomaly("session %d: unexpected %v frame", s.idx, h.OpCode)
		}
	}
}

func (s *session) readFailed(err error) {
	r := s.r
	if r.closing.Load() && (errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)) {
		// Closed by the close timeout, or EOF before the server's close frame.
		r.errorf("close", "session %d: connection ended before the server's close frame: %v", s.idx, err)
		return
	}
	r.errorf("read", "session %d (room %d): %v", s.idx, s.room, err)
}

func (s *session) onText(p []byte) {
	r := s.r
	if !s.joined {
		if !bytes.HasPrefix(p, []byte("joined ")) {
			s.unexpected++
			r.anomaly("session %d: %q before 'joined'", s.idx, trunc(p))
			return
		}
		s.joined = true
		if r.joinedN.Add(1) == int64(r.cfg.sessions) {
			close(r.allJoined)
		}
		return
	}
	room, member, seq, nanos, ok := parseMsg(p)
	if !ok || room != s.room || member < 0 || member >= len(s.next) {
		s.unexpected++
		r.anomaly("session %d (room %d): unexpected message %q", s.idx, s.room, trunc(p))
		return
	}
	if !r.chatting.Load() {
		s.unexpected++
		r.anomaly("session %d: chat message before the barrier: %q", s.idx, trunc(p))
		return
	}
	r.lat.Add(time.Duration(time.Now().UnixNano() - nanos))
	next := s.next[member]
	switch {
	case seq == next:
		s.next[member]++
	case seq > next:
		// A gap: the messages in between are late (reordered) or lost.
		if s.missing == nil {
			s.missing = map[missingKey]struct{}{}
		}
		for q := next; q < seq; q++ {
			s.missing[missingKey{member, q}] = struct{}{}
		}
		r.anomaly("receiver %d (room %d) got seq %d of member %d, expected %d", s.idx, s.room, seq, member, next)
		s.next[member] = seq + 1
	default:
		k := missingKey{member, seq}
		if _, late := s.missing[k]; late {
			delete(s.missing, k)
			s.reordered++
			r.anomaly("receiver %d (room %d) got seq %d of member %d late", s.idx, s.room, seq, member)
		} else {
			s.duplicates++
			r.anomaly("receiver %d (room %d) got seq %d of member %d again", s.idx, s.room, seq, member)
		}
	}
	r.addReceived()
}

func trunc(p []byte) string {
	if len(p) > 80 {
		return string(p[:80]) + "..."
	}
	return string(p)
}

// sendLoop sends messages until stop.
func (s *session) sendLoop(stop time.Time) {
	r := s.r
	c := r.cfg
	rng := rand.New(rand.NewPCG(uint64(s.idx), uint64(time.Now().UnixNano())))
	wait := time.Duration(rng.Int64N(int64(c.intervalMax)))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var msg []byte
	for {
		at := time.Now().Add(wait)
		if !at.Before(stop) {
			return
		}
		timer.Reset(wait)
		<-timer.C
		seq := s.sent.Load() + 1
		msg = appendMsg(msg[:0], s.room, s.member, seq, time.Now().UnixNano(), c.size)
		if err := s.write(ws.OpText, msg); err != nil {
			r.errorf("write", "session %d (room %d): seq %d: %v", s.idx, s.room, seq, err)
			return
		}
		s.sent.Store(seq)
		r.sent.Add(1)
		wait = c.intervalMin + time.Duration(rng.Int64N(int64(c.intervalMax-c.intervalMin)+1))
	}
}

// write sends one masked frame with one Write; nothing is written after our
// close frame.
func (s *session) write(op ws.OpCode, payload []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	return s.writeLocked(op, payload)
}

func (s *session) writeLocked(op ws.OpCode, payload []byte) error {
	var mask [4]byte
	v := rand.Uint32()
	mask[0], mask[1], mask[2], mask[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	hd := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: mask, Length: int64(len(payload))}
	var hb bytes.Buffer
	_ = ws.WriteHeader(&hb, hd)
	s.wbuf = append(append(s.wbuf[:0], hb.Bytes()...), payload...)
	ws.Cipher(s.wbuf[hb.Len():], mask, 0)
	_ = s.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err := s.conn.Write(s.wbuf)
	return err
}

func (s *session) sendClose() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	// The reader stops at the server's close frame; bound the wait.
	_ = s.conn.SetReadDeadline(time.Now().Add(s.r.cfg.closeTO))
	if err := s.writeLocked(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "")); err != nil {
		s.r.errorf("close", "session %d: sending close: %v", s.idx, err)
	}
}

// appendMsg builds "m <room> <member> <seq> <nanos> " padded with 'x'.
func appendMsg(dst []byte, room, member int, seq, nanos int64, size int) []byte {
	dst = append(dst, "m "...)
	dst = strconv.AppendInt(dst, int64(room), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(member), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, nanos, 10)
	dst = append(dst, ' ')
	for len(dst) < size {
		dst = append(dst, 'x')
	}
	return dst
}

func parseMsg(p []byte) (room, member int, seq int32, nanos int64, ok bool) {
	if !bytes.HasPrefix(p, []byte("m ")) {
		return
	}
	p = p[2:]
	var f [4]int64
	for i := range f {
		j := bytes.IndexByte(p, ' ')
		if j <= 0 {
			return
		}
		v, err := strconv.ParseInt(string(p[:j]), 10, 64)
		if err != nil {
			return
		}
		f[i] = v
		p = p[j+1:]
	}
	if f[2] <= 0 || f[2] > math.MaxInt32 {
		return
	}
	return int(f[0]), int(f[1]), int32(f[2]), f[3], true
}
