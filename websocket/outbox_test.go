package websocket

import (
	"errors"
	"testing"
)

// The outbox's books, without a socket: who gets the right to write, what
// the backlog refuses, and how our close frame ends the stream.
func TestOutboxWriterRight(t *testing.T) {
	var o outbox
	if got := o.push([]byte("a"), 100, false); got != pushStart {
		t.Fatalf("first frame: %v, want pushStart (the caller runs the writer)", got)
	}
	if got := o.push([]byte("b"), 100, false); got != pushQueued {
		t.Fatalf("second frame: %v, want pushQueued (the writer has it)", got)
	}
	if !o.take() {
		t.Fatal("take: nothing to write")
	}
	rest, off := o.rest()
	if len(rest) != 2 || off != 0 || o.queued != 0 {
		t.Fatalf("batch %q from %d, queued %d", rest, off, o.queued)
	}
	// A frame queued while the batch is written waits for the next one.
	if got := o.push([]byte("c"), 100, false); got != pushQueued {
		t.Fatalf("during a batch: %v", got)
	}
	o.written(1)
	if rest, _ := o.rest(); len(rest) != 1 || string(rest[0]) != "b" {
		t.Fatalf("after 1 byte: %q", rest)
	}
	if flushed, closing, sent := o.batchDone(nil); flushed || closing || sent {
		t.Fatalf("a data batch: flushed %v closing %v sent %v", flushed, closing, sent)
	}
	if !o.take() {
		t.Fatal("the frame queued meanwhile was lost")
	}
	o.skip()
	o.batchDone(nil)
	if o.take() {
		t.Fatal("take with nothing pending")
	}
	if o.writing {
		t.Fatal("the right to write was kept with nothing to write")
	}
	o.writers.Wait() // every claim was given back
}

func TestOutboxBacklog(t *testing.T) {
	var o outbox
	// An empty queue takes a frame larger than the backlog.
	if got := o.push(make([]byte, 50), 10, false); got != pushStart {
		t.Fatalf("large first frame: %v", got)
	}
	if got := o.push(make([]byte, 1), 10, false); got != pushOverflow {
		t.Fatalf("past the backlog: %v, want pushOverflow", got)
	}
	if got := o.push(make([]byte, 1), 10, false); got != pushRefused {
		t.Fatalf("after the overflow: %v, want pushRefused", got)
	}
	// The batch in flight does not count against the backlog.
	var p outbox
	p.push(make([]byte, 8), 10, false)
	p.take()
	if got := p.push(make([]byte, 8), 10, false); got != pushQueued {
		t.Fatalf("next to a batch in flight: %v", got)
	}
}

func TestOutboxClose(t *testing.T) {
	var o outbox
	o.push([]byte("data"), 100, false)
	c := o.close([]byte("close"), true)
	if !c.now || c.dropped != 1 || c.flushed || c.start {
		t.Fatalf("close with a writer holding the right: %+v", c)
	}
	if !o.closing.Load() {
		t.Fatal("closing not visible to lock-free readers")
	}
	if again := o.close([]byte("close"), false); again.now {
		t.Fatal("a second close frame was queued")
	}
	if got := o.push([]byte("late"), 100, false); got != pushRefused {
		t.Fatalf("after close: %v", got)
	}
	o.take()
	if rest, _ := o.rest(); len(rest) != 1 || string(rest[0]) != "close" {
		t.Fatalf("batch %q, want only the close frame (the data was dropped)", rest)
	}
	o.skip()
	if flushed, _, sent := o.batchDone(nil); !flushed || !sent || !o.isFlushed() {
		t.Fatalf("close frame written: flushed %v sent %v", flushed, sent)
	}
	// Without a frame (the peer is gone) the stream is flushed at once.
	var gone outbox
	if c := gone.close(nil, false); !c.flushed || c.start {
		t.Fatalf("close without a frame: %+v", c)
	}
}

func TestOutboxWriteFailure(t *testing.T) {
	var o outbox
	o.push([]byte("a"), 100, false)
	o.take()
	o.push([]byte("b"), 100, false)
	flushed, closing, sent := o.batchDone(errors.New("broken pipe"))
	if !flushed || !closing || sent {
		t.Fatalf("failed write: flushed %v closing %v sent %v", flushed, closing, sent)
	}
	if o.usable() || len(o.pending) != 0 || o.writing {
		t.Fatalf("after a failed write: usable %v, %d pending, writing %v", o.usable(), len(o.pending), o.writing)
	}
	if got := o.push([]byte("c"), 100, false); got != pushRefused {
		t.Fatalf("push after failure: %v", got)
	}
	o.writers.Wait()
}

// A reply held for its handler waits; release hands over the right.
func TestOutboxHeld(t *testing.T) {
	var o outbox
	o.hold([]byte("101"))
	if got := o.push([]byte("reply"), 100, true); got != pushQueued || !o.held.Load() {
		t.Fatalf("held reply: %v, held %v", got, o.held.Load())
	}
	if !o.release() || o.held.Load() {
		t.Fatal("release did not hand over the right to write")
	}
	if rest, _ := o.rest(); len(rest) != 0 {
		t.Fatal("a batch was taken before the writer ran")
	}
	o.take()
	if rest, _ := o.rest(); len(rest) != 2 || string(rest[0]) != "101" {
		t.Fatalf("batch %q, want the 101 first", rest)
	}
	o.skip()
	o.batchDone(nil)
	o.take()
	o.writers.Wait()
}
