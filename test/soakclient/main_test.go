package main

import (
	"math/rand/v2"
	"testing"
	"time"
)

// newTestRun is a run of one room of three sessions past the barrier, with
// no connections: messages are fed to the receivers' onText directly.
func newTestRun(sent ...int64) *run {
	r := newRun(config{sessions: len(sent), roomSize: len(sent), size: 64})
	r.start = time.Now()
	r.sessions = make([]*session, len(sent))
	for i := range r.sessions {
		s := &session{r: r, idx: i, member: i, next: make([]int32, len(sent)), done: make(chan struct{})}
		for m := range s.next {
			s.next[m] = 1
		}
		s.joined = true
		s.sent.Store(sent[i])
		r.sent.Add(sent[i])
		r.sessions[i] = s
	}
	r.connected = len(sent)
	r.joinedN.Store(int64(len(sent)))
	r.chatting.Store(true)
	var want int64
	for _, n := range sent {
		want += n * int64(len(sent))
	}
	r.target.Store(want)
	return r
}

func feed(r *run, receiver, member int, seqs ...int64) {
	for _, q := range seqs {
		r.sessions[receiver].onText(appendMsg(nil, 0, member, q, time.Now().UnixNano(), 64))
	}
}

// feedAll delivers every message in order to every member.
func feedAll(r *run, except ...[2]int) {
	for rc := range r.sessions {
		for m, snd := range r.sessions {
			skip := false
			for _, e := range except {
				if e == [2]int{rc, m} {
					skip = true
				}
			}
			if skip {
				continue
			}
			for q := int64(1); q <= snd.sent.Load(); q++ {
				feed(r, rc, m, q)
			}
		}
	}
}

func TestAccountingClean(t *testing.T) {
	r := newTestRun(3, 0, 5)
	feedAll(r)
	sm := r.summarize("")
	if !sm.OK || sm.Received != 24 || sm.ExpectedDeliveries != 24 || sm.Lost+sm.Reordered+sm.Duplicates+sm.Unexpected != 0 {
		t.Fatalf("clean run: %+v", sm)
	}
}

func TestAccountingDetects(t *testing.T) {
	cases := []struct {
		name                  string
		seqs                  []int64 // what receiver 1 gets from member 2 (which sent 5)
		lost, reordered, dups int64
	}{
		{"tail lost", []int64{1, 2, 3}, 2, 0, 0},
		{"gap lost", []int64{1, 2, 4, 5}, 1, 0, 0},
		{"swapped", []int64{1, 3, 2, 4, 5}, 0, 1, 0},
		{"late by three", []int64{2, 3, 4, 1, 5}, 0, 1, 0},
		{"duplicate", []int64{1, 2, 2, 3, 4, 5}, 0, 0, 1},
		{"everything", []int64{1, 4, 2, 2, 5, 5}, 1, 1, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newTestRun(3, 0, 5)
			feedAll(r, [2]int{1, 2})
			feed(r, 1, 2, c.seqs...)
			sm := r.summarize("")
			if sm.Lost != c.lost || sm.Reordered != c.reordered || sm.Duplicates != c.dups {
				t.Errorf("lost %d reordered %d duplicates %d, want %d %d %d; anomalies %q",
					sm.Lost, sm.Reordered, sm.Duplicates, c.lost, c.reordered, c.dups, sm.Anomalies)
			}
			if sm.OK {
				t.Errorf("summary says ok: %+v", sm)
			}
			if len(sm.Anomalies) == 0 {
				t.Error("no anomaly described")
			}
		})
	}
}

func TestAccountingUnexpected(t *testing.T) {
	r := newTestRun(1, 1)
	feedAll(r)
	r.sessions[0].onText(appendMsg(nil, 7, 0, 1, time.Now().UnixNano(), 64)) // another room
	r.sessions[0].onText([]byte("garbage"))
	r.sessions[0].onText(appendMsg(nil, 0, 5, 1, time.Now().UnixNano(), 64)) // no such member
	sm := r.summarize("")
	if sm.Unexpected != 3 || sm.OK {
		t.Fatalf("unexpected %d ok %v, want 3 false", sm.Unexpected, sm.OK)
	}
}

func TestMessageRoundTrip(t *testing.T) {
	for i := 0; i < 1000; i++ {
		room, member, seq, nanos := rand.IntN(1000), rand.IntN(100), int64(1+rand.IntN(1<<20)), rand.Int64()
		p := appendMsg(nil, room, member, seq, nanos, 64)
		if len(p) < 64 {
			t.Fatalf("message of %d bytes, want at least 64", len(p))
		}
		r, m, q, n, ok := parseMsg(p)
		if !ok || r != room || m != member || int64(q) != seq || n != nanos {
			t.Fatalf("parseMsg(%q) = %d %d %d %d %v", p, r, m, q, n, ok)
		}
	}
}
