package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"duplex/websocket/wstest"
)

// missingKey is a message a receiver has not had though a later one from
// the same member came.
type missingKey struct {
	member int
	seq    int32
}

// session is one chat client: its connection, what it sent, and what it
// received from each member of its room.
type session struct {
	r      *run
	idx    int
	room   int
	member int

	conn *wstest.Conn

	wmu    sync.Mutex
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
	d := wstest.Dialer{NetDial: wstest.DialFrom(src), ReadBufferSize: 2048}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := d.Dial(ctx, "ws://"+s.r.cfg.addr+s.r.cfg.path+"?room=r"+strconv.Itoa(s.room))
	if err != nil {
		return err
	}
	conn.MaxPayload = 1 << 20
	// Pings are answered by write, which sends nothing after our close frame.
	conn.NoPong = true
	conn.OnPing = func(p []byte) error {
		if err := s.write(ws.OpPong, p); err != nil && !s.r.closing.Load() {
			s.r.errorf("write", "session %d: pong: %v", s.idx, err)
		}
		return nil
	}
	s.conn = conn
	return nil
}

// readLoop reads messages until the closing handshake completes or the
// connection fails.
func (s *session) readLoop() {
	r := s.r
	defer close(s.done)
	defer s.conn.Close()
	for {
		m, err := s.conn.ReadMessageInto(s.buf)
		var ce *wstest.CloseError
		var pe *wstest.ProtocolError
		switch {
		case errors.As(err, &ce):
			if !r.closing.Load() || ce.Code != ws.StatusNormalClosure {
				r.errorf("unexpected_close", "session %d (room %d): server closed with %d %q", s.idx, s.room, ce.Code, ce.Reason)
			}
			return
		case errors.As(err, &pe):
			r.errorf("protocol", "session %d: %v", s.idx, err)
			return
		case err != nil:
			s.readFailed(err)
			return
		}
		s.buf = m.Payload
		if m.Frames != 1 {
			// The server writes every message as one frame.
			r.errorf("protocol", "session %d: a %v message in %d frames", s.idx, m.OpCode, m.Frames)
			return
		}
		if m.OpCode != ws.OpText {
			s.unexpected++
			r.anomaly("session %d: unexpected %v message", s.idx, m.OpCode)
			continue
		}
		s.onText(m.Payload)
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
	_ = s.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return s.conn.WriteMessage(op, payload)
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
