package security

// Runaway scripts in webSocketEvent, triggered by a client's message: an
// endless loop, unbounded recursion and a catastrophically backtracking
// regexp. Rows of docs/SECURITY.md.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestSecurityRunawayWebSocket: with a single JavaScript worker,
//   - while(true){} on a message is interrupted by --js-timeout: that session
//     gets an error event and close 1011; a message another session sent
//     during the loop is still answered; the worker then serves everyone;
//   - unbounded recursion fails on --js-max-stack (the error names the call
//     stack, not the timeout): close 1011;
//   - /^(a|aa)+\1$/ against 'a'×40+'b' (40 s of backtracking unbounded)
//     gives up after --js-regexp-timeout and reports no match; the session
//     carries on.
func TestSecurityRunawayWebSocket(t *testing.T) {
	t.Parallel()
	const jsTimeout = time.Second
	s := duplex.Start(t, "--app", harness.App("hostile"), "--js-workers", "1",
		"--js-timeout", jsTimeout.String(), "--js-max-stack", "10000", "--js-regexp-timeout", "300ms")
	bystander, _ := secOpen(t, s, "?tag=bystander")
	secEcho(t, bystander, "before")

	t.Run("endless loop", func(t *testing.T) {
		v, id := secOpen(t, s, "?tag=loop")
		start := time.Now()
		v.SendText("loop")
		// Queued behind the loop on the only worker: it must be answered
		// once the loop is stopped, not dropped or failed.
		bystander.SendText("during the loop")
		v.ExpectClose(1011, harness.Wait, false)
		if el := time.Since(start); el < jsTimeout*8/10 || el > 8*jsTimeout {
			t.Errorf("looping session closed after %v, want about --js-timeout %v", el, jsTimeout)
		}
		bystander.ExpectText("during the loop")
		ev := secWaitHev(t, s, id, "error", harness.Wait)
		if e, _ := ev["error"].(string); !strings.Contains(strings.ToLower(e), "timed out") {
			t.Errorf("error event of the looping session: %q, want it to say the call timed out", e)
		}
		if cl := secWaitHev(t, s, id, "close", harness.Wait); cl["closeReason"] != float64(1011) {
			t.Errorf("close event of the looping session: closeReason %v, want 1011", cl["closeReason"])
		}
		// The one worker was reused: old and new sessions work.
		secEcho(t, bystander, "after the loop")
		n, _ := secOpen(t, s, "?tag=afterloop")
		secEcho(t, n, "new session after the loop")
	})

	t.Run("unbounded recursion", func(t *testing.T) {
		v, id := secOpen(t, s, "?tag=recurse")
		start := time.Now()
		v.SendText("recurse")
		v.ExpectClose(1011, harness.Wait, false)
		// Stopped by the stack limit, long before --js-timeout would have.
		if el := time.Since(start); el > jsTimeout/2 {
			t.Errorf("recursing session closed after %v: stopped by the timeout (%v), not by --js-max-stack", el, jsTimeout)
		}
		ev := secWaitHev(t, s, id, "error", harness.Wait)
		if e, _ := ev["error"].(string); !strings.Contains(strings.ToLower(e), "stack size") {
			t.Errorf("error event of the recursing session: event.error = %q, want it to name the cause, "+
				"like the HTTP side's \"Maximum call stack size exceeded\"", e)
		}
		if cl := secWaitHev(t, s, id, "close", harness.Wait); cl["closeReason"] != float64(1011) {
			t.Errorf("close event of the recursing session: closeReason %v, want 1011", cl["closeReason"])
		}
		secEcho(t, bystander, "after the recursion")
	})

	t.Run("regexp backtracking", func(t *testing.T) {
		v, _ := secOpen(t, s, "?tag=regexp")
		start := time.Now()
		v.SendText("regexp")
		m, err := v.Next(harness.Wait)
		if err != nil {
			t.Fatalf("regexp message: %v after %v (want a reply: the regexp gives up after --js-regexp-timeout)", err, time.Since(start))
		}
		parts := strings.Split(m.Text(), ":")
		if len(parts) != 3 || parts[0] != "regexp" {
			t.Fatalf("regexp reply %q, want regexp:<matched>:<ms>", m.Text())
		}
		if parts[1] != "false" {
			t.Errorf("the timed-out regexp reported match=%s, want false (no match)", parts[1])
		}
		if ms, _ := strconv.Atoi(parts[2]); ms > 5000 {
			t.Errorf("the regexp ran %d ms in the script, with --js-regexp-timeout 300ms", ms)
		}
		secEcho(t, v, "the session survives the regexp")
		secEcho(t, bystander, "after the regexp")
	})

	secAlive(t, s)
}
