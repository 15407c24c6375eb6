package websocket

import (
	"sync"
	"sync/atomic"
)

// spareLimit bounds the batch slice a writer keeps for reuse, so one burst
// does not pin a large slice to an otherwise quiet session.
const spareLimit = 1024

// outbox is a session's write side: the frames waiting for the socket, the
// batch being written, and the right to write, which one writer holds at a
// time. It only keeps the books, under its own lock; it answers what the
// session must do (start a writer, close an overflowing peer, wake those
// who wait), and the session does it, outside the lock.
type outbox struct {
	mu          sync.Mutex
	pending     [][]byte // frames waiting for the writer
	spare       [][]byte // the writer's previous batch, reused as the next pending
	queued      int      // bytes in pending (not the batch being written)
	writing     bool     // a writer holds the right to write
	overflowed  bool     // the backlog passed its limit: data frames are refused
	closeQueued bool     // our close frame is queued (or the stream is dead): everything is refused
	// closeInPending: our close frame is among pending, so the batch that
	// takes it ends the stream.
	closeInPending bool
	flushed        bool // our close frame is written, or cannot be
	dead           bool // a write failed: the stream is unusable
	// withClose: the batch being written ends with our close frame.
	withClose bool
	// closing is closeQueued for readers that take no lock: the reader
	// stops delivering data once it is set.
	closing atomic.Bool
	// held: a handler queued a reply that its dispatcher writes when the
	// handler returns.
	held    atomic.Bool
	writers sync.WaitGroup

	// The batch being written belongs to the one writer: frames batch[i:],
	// the first from offset off.
	batch  [][]byte
	i, off int
}

// pushed is what push did with a frame, and what the session must do next.
type pushed int

const (
	pushRefused  pushed = iota // closing or overflowed already: dropped
	pushOverflow               // this frame passed the backlog: dropped, and the peer must be closed
	pushQueued                 // queued; a writer already has it (or a handler holds it)
	pushStart                  // queued; the caller must start a writer, whose right it now holds
)

// push queues frame unless the stream is closing or the backlog (bytes
// waiting, not the batch in flight) would pass maxBacklog. An empty queue
// takes any frame, so that a message larger than the backlog (allowed by
// MaxMessage) can still be sent. With hold, the frame waits for the
// handler that sent it to return (see held).
func (o *outbox) push(frame []byte, maxBacklog int, hold bool) pushed {
	o.mu.Lock()
	r := o.pushLocked(frame, maxBacklog, hold)
	o.mu.Unlock()
	return r
}

func (o *outbox) pushLocked(frame []byte, maxBacklog int, hold bool) pushed {
	if o.closeQueued || o.overflowed {
		return pushRefused
	}
	if o.queued > 0 && o.queued+len(frame) > maxBacklog {
		o.overflowed = true
		return pushOverflow
	}
	o.pending = append(o.pending, frame)
	o.queued += len(frame)
	if hold {
		if !o.writing && !o.dead {
			o.held.Store(true)
		}
		return pushQueued
	}
	if o.claimLocked() {
		return pushStart
	}
	return pushQueued
}

// hold queues a frame that must be the stream's first (the 101), held for
// the open event's replies and not counted against the backlog.
func (o *outbox) hold(frame []byte) {
	o.mu.Lock()
	o.pending = append(o.pending, frame)
	o.mu.Unlock()
	o.held.Store(true)
}

// release ends holding: true when the caller must write what waits, with
// the right to write it.
func (o *outbox) release() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.held.Store(false)
	return len(o.pending) > 0 && o.claimLocked()
}

// closed is what close did.
type closed struct {
	now     bool // the stream started closing with this call
	dropped int  // frames discarded unwritten
	flushed bool // nothing more will be written: wake who waits for that
	start   bool // the caller must start a writer for the close frame
}

// close queues our close frame as the stream's last; nil finishes the
// stream without one (the peer is gone). dropPending discards what the
// kernel has not been given yet, for a peer that does not read anyway.
func (o *outbox) close(frame []byte, dropPending bool) closed {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closeQueued {
		return closed{}
	}
	c := closed{now: true}
	o.closeQueued = true
	o.closing.Store(true)
	if dropPending {
		c.dropped = len(o.pending)
		o.dropPendingLocked()
	}
	if frame == nil || o.dead {
		c.flushed = o.flushedLocked()
		return c
	}
	o.pending = append(o.pending, frame)
	o.queued += len(frame)
	o.closeInPending = true
	c.start = o.claimLocked()
	return c
}

// take gives the writer the next batch: everything pending. false means
// nothing is left (or the stream is dead) and the right to write is given
// back.
func (o *outbox) take() bool {
	o.mu.Lock()
	if len(o.pending) == 0 || o.dead {
		o.writing = false
		o.mu.Unlock()
		o.writers.Done()
		return false
	}
	o.batch, o.i, o.off = o.pending, 0, 0
	o.pending, o.spare = o.spare[:0], nil
	o.withClose = o.closeInPending
	o.closeInPending = false
	// The backlog counts what still waits, not the batch being written: a
	// reader that keeps up must not be closed because the previous burst
	// is still in our hands when the next one comes. At most one batch is
	// in flight, so memory stays below twice the backlog.
	o.queued = 0
	o.mu.Unlock()
	return true
}

// written moves the batch position past n written bytes.
func (o *outbox) written(n int) {
	for n > 0 && o.i < len(o.batch) {
		rest := len(o.batch[o.i]) - o.off
		if n < rest {
			o.off += n
			return
		}
		n -= rest
		o.i++
		o.off = 0
	}
}

// rest is what the batch still has to write, the first frame from off.
func (o *outbox) rest() ([][]byte, int) { return o.batch[o.i:], o.off }

// skip marks the batch written (what is left is empty frames, or went out
// in one blocking write).
func (o *outbox) skip() { o.i = len(o.batch) }

// batchDone ends the batch written with err. It answers whether our close
// frame is now written or can never be (wake who waits: flushed), whether
// the stream just started closing because the write failed (closing), and
// whether the close frame went out (sent: the peer's answer is awaited).
// After a failure the right to write is given back.
func (o *outbox) batchDone(err error) (flushed, closing, sent bool) {
	batch, withClose := o.batch, o.withClose
	clear(batch)
	o.batch, o.i, o.off = nil, 0, 0
	o.mu.Lock()
	if cap(batch) <= spareLimit {
		o.spare = batch[:0]
	}
	if err != nil {
		o.dead = true
		o.dropPendingLocked()
		if !o.closeQueued {
			o.closeQueued = true
			o.closing.Store(true)
			closing = true
		}
		o.writing = false
		flushed = o.flushedLocked()
		o.mu.Unlock()
		o.writers.Done()
		return flushed, closing, false
	}
	if withClose {
		flushed = o.flushedLocked()
	}
	o.mu.Unlock()
	return flushed, false, withClose
}

// isFlushed reports our close frame written, or found unwritable.
func (o *outbox) isFlushed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushed
}

// usable reports a stream no write has failed on.
func (o *outbox) usable() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.dead
}

// claimLocked takes the right to write, if no writer has it and the stream
// is alive; the taker must run a writer, and the writers group counts it.
func (o *outbox) claimLocked() bool {
	if o.writing || o.dead {
		return false
	}
	o.writing = true
	o.writers.Add(1)
	return true
}

func (o *outbox) dropPendingLocked() {
	for i, f := range o.pending {
		o.queued -= len(f)
		o.pending[i] = nil
	}
	o.pending = o.pending[:0]
}

// flushedLocked marks the stream flushed; true the first time, when the
// waiters must be woken.
func (o *outbox) flushedLocked() bool {
	if o.flushed {
		return false
	}
	o.flushed = true
	return true
}
