package websocket

import (
	"io"
	"net"
	"time"
)

// conn is how a session reaches its peer. The server's own connections are
// descriptors it adopts from net/http (fdConn): non-blocking, read when the
// hub's poller says so and written by its flushers, so that an idle session
// holds no goroutine. Anything else (an in-memory pipe in tests, a
// connection whose descriptor cannot be adopted) is a streamConn: read by a
// goroutine and written blocking. Everything that differs between the two
// is here, and the session never asks which one it has.
type conn interface {
	// polled tells that the epoll reader runs the events it queued itself
	// once the socket is drained; otherwise a dispatcher must.
	polled() bool
	// greet writes or queues the 101, the stream's first bytes.
	greet(s *Session, resp []byte) error
	// discard ends a session that was never registered: what it queued,
	// then frame, if the socket takes them at once, then the connection.
	discard(s *Session, frame []byte)
	startReading(s *Session)
	// abort makes the reader stop; s.aborted is set already.
	abort(s *Session)
	// closeSent gives the peer d to answer our close frame.
	closeSent(s *Session, d time.Duration)
	// startWriter runs a writer for s, which holds the right to write.
	startWriter(s *Session)
	// flushHeld writes what a handler held back, with the right to write.
	flushHeld(s *Session)
	// writeBatch writes the rest of the outbox's batch; inline, it returns
	// errWouldBlock rather than wait for room.
	writeBatch(s *Session, inline bool) error
	// close ends the connection once reading stopped; with drain, the
	// peer's remaining bytes are read up to its FIN first, so that unread
	// data does not turn the close into a reset.
	close(s *Session, drain bool)
}

// streamConn is a connection without a descriptor of ours (a TLS one, or
// an in-memory pipe in tests), read from in by a goroutine of its own and
// written through conn.
type streamConn struct {
	conn net.Conn
	in   io.Reader // conn, after what net/http had buffered
}

func (c *streamConn) polled() bool { return false }

func (c *streamConn) greet(s *Session, resp []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(s.hub.opts.HandshakeTimeout))
	_, err := c.conn.Write(resp)
	c.conn.SetWriteDeadline(time.Time{})
	if err != nil {
		c.conn.Close()
	}
	return err
}

func (c *streamConn) discard(s *Session, frame []byte) {
	c.conn.Write(frame)
	c.conn.Close()
}

func (c *streamConn) startReading(s *Session) { go c.readLoop(s) }

// readLoop is the blocking reader.
func (c *streamConn) readLoop(s *Session) {
	s.ps = s.hub.getParser()
	buf := make([]byte, 4096)
	for {
		n, err := c.in.Read(buf)
		if n > 0 {
			s.touch()
			if ferr := s.ps.Feed(buf[:n], (*sessionSink)(s)); ferr != nil {
				s.finish(ferr)
				return
			}
		}
		if err != nil {
			s.finish(err)
			return
		}
	}
}

// abort wakes the blocking reader with an error.
func (c *streamConn) abort(s *Session) { c.conn.Close() }

func (c *streamConn) closeSent(s *Session, d time.Duration) {
	c.conn.SetReadDeadline(time.Now().Add(d))
}

// startWriter: a blocking write may wait for the peer, so it gets a
// goroutine, never a flusher.
func (c *streamConn) startWriter(s *Session) { go s.writeLoop() }

func (c *streamConn) flushHeld(s *Session) { go s.writeLoop() }

// writeBatch gathers the batch's frames into buffers of readBufSize (TLS's
// largest record) and writes each at once: every Write of a stream costs
// a system call, and over TLS a record, so a burst of small frames written
// one by one (net.Buffers does so on anything but a socket) took four to
// seven times as long to reach 50 wss:// members.
func (c *streamConn) writeBatch(s *Session, inline bool) error {
	c.conn.SetWriteDeadline(time.Now().Add(s.hub.opts.WriteTimeout))
	rest, _ := s.out.rest()
	s.out.skip()
	if len(rest) == 1 {
		_, err := c.conn.Write(rest[0])
		return err
	}
	bp := s.hub.getReadBuf()
	defer s.hub.putReadBuf(bp)
	buf := (*bp)[:0]
	for _, f := range rest {
		if len(buf) > 0 && len(buf)+len(f) > cap(buf) {
			if _, err := c.conn.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		if len(f) >= cap(buf) {
			if _, err := c.conn.Write(f); err != nil {
				return err
			}
			continue
		}
		buf = append(buf, f...)
	}
	if len(buf) == 0 {
		return nil
	}
	_, err := c.conn.Write(buf)
	return err
}

func (c *streamConn) close(s *Session, drain bool) {
	if drain {
		if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		c.conn.SetReadDeadline(time.Now().Add(s.hub.opts.CloseTimeout))
		io.Copy(io.Discard, c.conn)
	}
	c.conn.Close()
	s.out.writers.Wait()
}
