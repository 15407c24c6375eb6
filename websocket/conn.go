package websocket

import (
	"bufio"
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

// streamConn is a connection without a descriptor of ours, read from br
// by a goroutine of its own and written through conn.
type streamConn struct {
	conn net.Conn
	br   *bufio.Reader
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
		n, err := c.br.Read(buf)
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

func (c *streamConn) writeBatch(s *Session, inline bool) error {
	c.conn.SetWriteDeadline(time.Now().Add(s.hub.opts.WriteTimeout))
	rest, _ := s.out.rest()
	b := net.Buffers(rest)
	s.out.skip()
	_, err := b.WriteTo(c.conn)
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
