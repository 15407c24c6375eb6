package http1

import (
	"errors"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"duplex/websocket/sockfd"
)

// AcceptFunc admits a new connection: it answers the connection that
// owns the socket fd (closed when the connection ends), or false when it
// refused it, having closed fd itself.
type AcceptFunc func(fd int, remote net.Addr) (owner net.Conn, ok bool)

// acceptBatch is how many connections one readiness of the listening
// socket accepts before the pollers serve others.
const acceptBatch = 64

// Listen makes the server accept the connections of ln itself: it takes
// a duplicate of ln's socket and closes ln, so that the listening socket
// leaves Go's netpoller; Shutdown closes the duplicate. A connection
// accepted here never enters Go's netpoller: no registration there, no
// duplicate of its descriptor, and an upgrade's socket goes to the
// WebSocket hub as it came. accept admits each one; failed says why an
// accept failed (out of descriptors), after which the listener rests a
// moment.
func (s *Server) Listen(ln *net.TCPListener, accept AcceptFunc, failed func(error)) error {
	lfd, err := sockfd.Dup(ln)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() || s.lfd >= 0 {
		unix.Close(lfd)
		return ErrClosed
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(lfd)}
	if err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, lfd, &ev); err != nil {
		unix.Close(lfd)
		return err
	}
	s.lfd, s.acceptFn, s.acceptFailed = lfd, accept, failed
	s.lfdReady.Store(int32(lfd))
	s.startLocked()
	_ = ln.Close()
	return nil
}

// acceptReady accepts what waits on the listening socket. The listener
// is registered one-shot: one poller accepts at a time, and re-arms it
// when done.
func (s *Server) acceptReady() {
	s.acceptMu.Lock()
	defer s.acceptMu.Unlock()
	lfd := s.lfd
	if lfd < 0 {
		return
	}
	for range acceptBatch {
		// The standard library's accept4: x/sys's asks every IPv4
		// socket for its protocol (one getsockopt more per connection).
		fd, sa, err := syscall.Accept4(lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			switch {
			case errors.Is(err, unix.EAGAIN):
				s.rearm(0)
			case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
				continue
			case errors.Is(err, unix.EBADF), errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOTSOCK), errors.Is(err, unix.EOPNOTSUPP):
				// The listening socket itself is unusable.
				s.cfg.Log.Error().Err(err).Msg("http1: accept failed; the server accepts no more connections")
			case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE), errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
				if s.acceptFailed != nil {
					s.acceptFailed(err)
				}
				// Another try at once would fail again: the
				// listener rests while descriptors are freed.
				s.rearm(50 * time.Millisecond)
			default:
				// accept(2) passes on the pending connection's network
				// errors (EPROTO, ENETDOWN, EHOSTUNREACH, ...), to be
				// treated like EAGAIN: the next one may be fine.
				s.cfg.Log.Warn().Err(err).Msg("http1: accept failed; accepting goes on")
				s.rearm(0)
			}
			return
		}
		// Small answers go out at once (Go sets this on the sockets it
		// accepts too); keep-alive probes are left off, since idle
		// connections time out and WebSocket sessions ping.
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		owner, ok := s.acceptFn(fd, sockaddrTCP(sa))
		if !ok {
			continue
		}
		if s.add(fd, owner) != nil {
			unix.Close(fd)
			owner.Close()
		}
	}
	s.rearm(0)
}

// rearm watches the listening socket again, after a pause if given.
func (s *Server) rearm(pause time.Duration) {
	if pause > 0 {
		time.AfterFunc(pause, func() { s.rearm(0) })
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() || s.lfd < 0 {
		return
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(s.lfd)}
	_ = unix.EpollCtl(s.epfd, unix.EPOLL_CTL_MOD, s.lfd, &ev)
}

// stopListening closes the listening socket, once no accept runs.
func (s *Server) stopListening() {
	s.acceptMu.Lock()
	defer s.acceptMu.Unlock()
	s.mu.Lock()
	lfd := s.lfd
	s.lfd = -1
	s.lfdReady.Store(-1)
	if lfd >= 0 && s.epfd >= 0 {
		_ = unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, lfd, nil)
	}
	s.mu.Unlock()
	if lfd >= 0 {
		unix.Close(lfd)
	}
}

func sockaddrTCP(sa syscall.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *syscall.SockaddrInet6:
		addr := &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
		if a.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				addr.Zone = ifi.Name
			}
		}
		return addr
	}
	return &net.TCPAddr{}
}
