package websocket

import (
	"io"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// minReadBuf is the first allocation for a message; buffers then double as
// bytes actually arrive, never on the peer's declared length.
const minReadBuf = 512

// readLoop is the one goroutine per connection that always exists: it reads
// frames until the connection ends, then closes the TCP connection.
func (s *Session) readLoop() {
	s.finish(s.readFrames())
}

func (s *Session) readFrames() error {
	r := &s.rd
	for {
		hdr, err := r.NextFrame()
		if err != nil {
			return err
		}
		s.touch()
		if hdr.OpCode.IsControl() {
			p, err := s.readControl()
			if err != nil {
				return err
			}
			if err := s.control(hdr.OpCode, p); err != nil {
				return err
			}
			continue
		}
		buf, err := s.readMessage()
		if err != nil {
			return err
		}
		s.pushMessage(buf, hdr.OpCode == ws.OpBinary)
	}
}

// readMessage reads the rest of a data message, continuation frames and
// interleaved control frames included. wsutil validates UTF-8 byte by byte
// as the bytes come in, so invalid text fails at once, not at message end.
func (s *Session) readMessage() (*[]byte, error) {
	bp := s.hub.getBuf()
	b := (*bp)[:0]
	limit := int(s.hub.opts.MaxMessage) + 1
	for {
		if len(b) == cap(b) {
			// MaxMessageSize bounds what can arrive, so the buffer
			// never grows beyond MaxMessage+1 (the +1 lets Read see EOF).
			c := min(max(2*cap(b), minReadBuf), limit)
			if c == len(b) {
				// Unreachable while wsutil enforces MaxMessageSize; an
				// empty Read would spin otherwise.
				*bp = b
				s.hub.putBuf(bp)
				return nil, wsutil.ErrMessageTooLarge
			}
			nb := make([]byte, len(b), c)
			copy(nb, b)
			b = nb
		}
		n, err := s.rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if n > 0 {
			s.touch()
		}
		if err == io.EOF {
			*bp = b
			return bp, nil
		}
		if err != nil {
			*bp = b
			s.hub.putBuf(bp)
			return nil, err
		}
	}
}

// readControl reads a control frame's payload (at most 125 bytes, checked
// by the header check) into the session's scratch buffer.
func (s *Session) readControl() ([]byte, error) {
	b := s.ctl[:0]
	for {
		n, err := s.rd.Read(s.ctl[len(b):])
		b = s.ctl[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// intermediate handles a control frame that arrives between the fragments
// of a message; without it wsutil would drop pings silently.
func (s *Session) intermediate(h ws.Header, body io.Reader) error {
	p := s.ctl[:h.Length]
	if _, err := io.ReadFull(body, p); err != nil {
		return err
	}
	s.touch()
	return s.control(h.OpCode, p)
}

func (s *Session) control(op ws.OpCode, p []byte) error {
	switch op {
	case ws.OpPing:
		// After our close frame nothing else may be sent (§5.5.1);
		// enqueue refuses then.
		s.enqueue(newFrame(ws.OpPong, p))
	case ws.OpClose:
		return parseClose(p)
	}
	// Unsolicited pongs are allowed and mean nothing (§5.5.3).
	return nil
}

// finish ends the connection after the read loop stopped. The TCP close
// follows RFC 6455 §7.1.1: the server closes first, after its close frame is
// written, and reads until the peer's FIN so that unread data does not turn
// the close into an RST that could eat the last frames.
func (s *Session) finish(readErr error) {
	o := &s.hub.opts
	e := classify(readErr)
	if s.end(e.code, e.cause, e.frame, false) {
		if e.frame == nil {
			s.queueClose(nil, false)
		} else if !s.waitFlushed(o.CloseTimeout) {
			// The close frame waits behind events of a slow handler;
			// the peer has waited long enough for our answer.
			s.queueClose(e.frame, false)
		}
	}
	s.waitFlushed(o.CloseTimeout + o.WriteTimeout)
	// Whatever happened, nothing may be queued from here on: the writers
	// wait below must not race with a writer being started.
	s.queueClose(nil, false)
	s.wmu.Lock()
	usable := !s.wdead
	s.wmu.Unlock()
	if usable && e.drain {
		if cw, ok := s.conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		s.conn.SetReadDeadline(time.Now().Add(o.CloseTimeout))
		io.Copy(io.Discard, s.br)
	}
	s.conn.Close()
	s.writers.Wait()
	s.partDone()
}

func (s *Session) waitFlushed(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.flushed:
		return true
	case <-t.C:
		return false
	}
}
