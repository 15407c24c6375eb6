package conformance

// TestProberGrader checks the conformance suite's own grading against
// an in-process fake server that misbehaves on purpose, so that a broken
// server cannot pass TestConformance by a bug in the grader.

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"duplex/websocket/wstest"
)

// cfFake serves one WebSocket connection: a correct 101, then script.
func cfFake(t *testing.T, script func(conn *net.TCPConn, br *bufio.Reader)) string {
	t.Helper()
	return wstest.Serve(t, func(c net.Conn, br *bufio.Reader, req *http.Request) {
		_, _ = c.Write([]byte(wstest.Response101(req, "")))
		script(c.(*net.TCPConn), br)
	})
}

func cfSrvFrame(op byte, p []byte) []byte { return cfFrameOpt(true, 0, op, p, false, 0) }

func cfSrvClose(code int) []byte { return cfSrvFrame(cfOpClose, cfClosePayload(code, "")) }

// cfReadClient reads client frames until one with opcode op (or an error).
func cfReadClient(br *bufio.Reader, op byte) []byte {
	for {
		f, err := wstest.ReadFrame(br, nil, cfMaxRead)
		if err != nil || byte(f.OpCode) == op {
			return f.Payload
		}
	}
}

func TestProberGrader(t *testing.T) {
	t.Parallel()
	// closeWell finishes like a correct server: close frame, FIN, drain.
	closeWell := func(c *net.TCPConn, br *bufio.Reader, code int) {
		_, _ = c.Write(cfSrvClose(code))
		_ = c.CloseWrite()
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		for {
			if _, err := wstest.ReadFrame(br, nil, cfMaxRead); err != nil {
				return
			}
		}
	}
	cases := []struct {
		name   string
		script func(c *net.TCPConn, br *bufio.Reader)
		client func(c *cfConn) cfResult
		want   string
		detail string // substring of the detail
	}{
		{"fail-ok", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
			closeWell(c, br, 1002)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfOK, "close 1002"},
		{"wrong-code", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
			closeWell(c, br, 1000)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfWrongCode, "want 1002"},
		{"empty-close-not-accepted", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
			_, _ = c.Write(cfSrvFrame(cfOpClose, nil))
			_ = c.CloseWrite()
			cfReadClient(br, 0xFF)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1007), cfFailWithin)
		}, cfWrongCode, "(empty)"},
		{"drop-unclean", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfUnclean, "without a close frame"},
		{"drop-accepted", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002).orDrop(), cfFailWithin)
		}, cfOK, "TCP dropped"},
		{"no-reaction", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, 0xFF)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), 300*time.Millisecond)
		}, cfFailed, "no close frame"},
		{"server-keeps-tcp", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
			_, _ = c.Write(cfSrvClose(1002))
			time.Sleep(cfCloseWait + time.Second)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfByClient, "did not close TCP"},
		{"reset-after-close", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
			_, _ = c.Write(cfSrvClose(1002))
			time.Sleep(100 * time.Millisecond) // the client's close echo is now unread
			_ = c.SetLinger(0)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfUnclean, "connection error"},
		{"pong-after-violation", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpPing)
			_, _ = c.Write(cfSrvFrame(cfOpPong, nil))
			closeWell(c, br, 1002)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfFrame(true, 1, cfOpText, []byte("x")), cfPing(nil))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfFailed, "got [pong"},
		{"masked-server-frame", func(c *net.TCPConn, br *bufio.Reader) {
			p := cfReadClient(br, cfOpText)
			_, _ = c.Write(cfFrame(true, 0, cfOpText, p))
			closeWell(c, br, 1000)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.expectThenClose(cfEvs(cfEvText("x")), time.Second)
		}, cfFailed, "masked"},
		{"data-after-close", func(c *net.TCPConn, br *bufio.Reader) {
			cfReadClient(br, cfOpText)
			_, _ = c.Write(append(cfSrvClose(1002), cfSrvFrame(cfOpText, []byte("late"))...))
			closeWell(c, br, 1002)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("x"))
			return c.judge(nil, cfCodes(1002), cfFailWithin)
		}, cfFailed, "after the server's close"},
		{"echo-ok", func(c *net.TCPConn, br *bufio.Reader) {
			p := cfReadClient(br, cfOpText)
			_, _ = c.Write(cfSrvFrame(cfOpText, p))
			cfReadClient(br, cfOpClose)
			closeWell(c, br, 1000)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("hi"))
			return c.expectThenClose(cfEvs(cfEvText("hi")), time.Second)
		}, cfOK, "close 1000"},
		{"echo-wrong-type", func(c *net.TCPConn, br *bufio.Reader) {
			p := cfReadClient(br, cfOpText)
			_, _ = c.Write(cfSrvFrame(cfOpBinary, p))
			cfReadClient(br, cfOpClose)
			closeWell(c, br, 1000)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("hi"))
			return c.expectThenClose(cfEvs(cfEvText("hi")), time.Second)
		}, cfFailed, "got [binary"},
		{"extra-echo-before-close", func(c *net.TCPConn, br *bufio.Reader) {
			p := cfReadClient(br, cfOpText)
			_, _ = c.Write(cfSrvFrame(cfOpText, p))
			cfReadClient(br, cfOpClose)
			_, _ = c.Write(cfSrvFrame(cfOpText, p))
			closeWell(c, br, 1000)
		}, func(c *cfConn) cfResult {
			_ = c.send(cfOneChop, cfText("hi"))
			return c.expectThenClose(cfEvs(cfEvText("hi")), time.Second)
		}, cfFailed, "want"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := cfFake(t, tc.script)
			c, err := cfDial(t, addr)
			if err != nil {
				t.Fatal(err)
			}
			r := tc.client(c)
			if r.outcome != tc.want || !strings.Contains(r.detail, tc.detail) {
				t.Errorf("graded %s %q, want %s with %q", r.outcome, r.detail, tc.want, tc.detail)
			}
		})
	}
}
