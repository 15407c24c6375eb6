// Command floor measures what the kernel alone costs a server per HTTP
// request on this machine: one epoll loop on one thread that reads a
// request and writes a fixed answer (the bytes of the http scenario's hello
// answer), no parsing, no allocation, under the http scenario's load (64
// keep-alive connections, one request in flight on each). The loop's own
// CPU time (RUSAGE_THREAD) per request is the floor under every server of
// the HTTP tables: read, write and epoll_wait on loopback, and the TCP
// work they do.
//
// Usage: go run ./bench/floor [--conns 64] [--duration 5s]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// answer is the hello scenario's answer, headers as Bun sends them.
var answer = fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=utf-8\r\nDate: Mon, 30 Nov 2026 12:00:00 GMT\r\nContent-Length: %d\r\n\r\n%s", len(helloBody), helloBody)

const helloBody = `{"message":"Hello bench","agent":"duplex-bench","items":[{"id":1,"name":"item 1","price":100,"active":true},{"id":2,"name":"item 2","price":200,"active":false},{"id":3,"name":"item 3","price":300,"active":true},{"id":4,"name":"item 4","price":400,"active":false},{"id":5,"name":"item 5","price":500,"active":true}]}`

const request = "GET /hello?name=bench HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: duplex-bench\r\n\r\n"

func main() {
	conns := flag.Int("conns", 64, "keep-alive connections, one request in flight on each")
	duration := flag.Duration("duration", 5*time.Second, "measured window")
	flag.Parse()
	if err := run(*conns, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(conns int, duration time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	lf, err := ln.(*net.TCPListener).File()
	if err != nil {
		return err
	}
	ln.Close()
	cpu := make(chan [2]time.Duration, 1)
	var measuring atomic.Bool
	go serve(int(lf.Fd()), &measuring, cpu)

	var served atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	addr := ln.Addr().String()
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			buf := make([]byte, len(answer))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := io.WriteString(c, request); err != nil {
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				if measuring.Load() {
					served.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second) // warm-up
	measuring.Store(true)
	time.Sleep(duration)
	measuring.Store(false)
	n := served.Load()
	close(stop)
	used := <-cpu
	wg.Wait()
	fmt.Printf("%d requests in %v (%.0f/s); the server loop's CPU: %.2f µs per request (user %.2f, system %.2f)\n",
		n, duration, float64(n)/duration.Seconds(),
		float64((used[0]+used[1]).Nanoseconds())/1e3/float64(n),
		float64(used[0].Nanoseconds())/1e3/float64(n), float64(used[1].Nanoseconds())/1e3/float64(n))
	return nil
}

// serve is the loop, on a thread of its own so that its CPU time is its
// own; it reports the time used while measuring was set.
func serve(lfd int, measuring *atomic.Bool, cpu chan<- [2]time.Duration) {
	runtime.LockOSThread()
	ep, err := syscall.EpollCreate1(0)
	if err != nil {
		panic(err)
	}
	_ = syscall.SetNonblock(lfd, true)
	_ = syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, lfd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(lfd)})
	events := make([]syscall.EpollEvent, 128)
	buf := make([]byte, 1<<16)
	var start [2]time.Duration
	started, reported := false, false
	for {
		if !started && measuring.Load() {
			start, started = threadCPU(), true
		}
		if started && !reported && !measuring.Load() {
			end := threadCPU()
			cpu <- [2]time.Duration{end[0] - start[0], end[1] - start[1]}
			reported = true
		}
		n, err := syscall.EpollWait(ep, events, 100)
		if err != nil {
			continue
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			if fd == lfd {
				for {
					c, _, err := syscall.Accept4(lfd, syscall.SOCK_NONBLOCK)
					if err != nil {
						break
					}
					_ = syscall.SetsockoptInt(c, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
					_ = syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, c, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c)})
				}
				continue
			}
			m, err := syscall.Read(fd, buf)
			if m <= 0 || err != nil {
				_ = syscall.Close(fd)
				continue
			}
			for k := bytes.Count(buf[:m], []byte("\r\n\r\n")); k > 0; k-- {
				_, _ = syscall.Write(fd, answer)
			}
		}
	}
}

func threadCPU() [2]time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return [2]time.Duration{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}
