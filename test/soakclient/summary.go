package main

import (
	"encoding/json"
	"math"
	"os"
	"syscall"
	"time"

	"duplex/test/soakclient/report"
)

// finish does the per-receiver accounting (the readers are done) and prints
// the summary.
func (r *run) finish() bool {
	return r.printSummary("")
}

// printSummary prints the summary once and reports whether the run passed.
// status is "" for a finished run: only then are the readers' states final
// and accounted.
func (r *run) printSummary(status string) bool {
	ok := false
	r.summaryOnce.Do(func() {
		sm := r.summarize(status)
		ok = sm.OK
		b, _ := json.MarshalIndent(sm, "", "  ")
		os.Stdout.Write(append(b, '\n'))
	})
	return ok
}

func (r *run) summarize(status string) report.Summary {
	var sm report.Summary
	c := r.cfg
	sm.Sessions, sm.Rooms, sm.RoomSize = c.sessions, r.rooms, c.roomSize
	sm.Connected, sm.Joined = r.connected, r.joinedN.Load()
	sm.Sent, sm.Received = r.sent.Load(), r.received.Load()
	if t := r.target.Load(); t != math.MaxInt64 {
		sm.ExpectedDeliveries = t
	}
	if status == "" {
		// Only after the readers finished: their state is final.
		for _, s := range r.sessions {
			room := r.sessions[s.room*c.roomSize : min((s.room+1)*c.roomSize, c.sessions)]
			for m, snd := range room {
				sent := int32(snd.sent.Load())
				got := s.next[m] - 1 // highest seq received in order or past a gap
				if sent > got {
					sm.Lost += int64(sent - got)
					if r.chatting.Load() {
						r.anomaly("receiver %d (room %d) never got seq %d..%d of member %d", s.idx, s.room, got+1, sent, m)
					}
				}
			}
			sm.Lost += int64(len(s.missing))
			for k := range s.missing {
				r.anomaly("receiver %d (room %d): seq %d of member %d never arrived (a later one did)", s.idx, s.room, k.seq, k.member)
			}
			sm.Reordered += s.reordered
			sm.Duplicates += s.duplicates
			sm.Unexpected += s.unexpected
		}
	}
	r.mu.Lock()
	for _, n := range r.errs {
		sm.Errors += n
	}
	if len(r.errs) > 0 {
		sm.ErrorKinds = r.errs
	}
	sm.ErrorSamples = r.errSamples
	sm.Anomalies = r.anomalies
	r.mu.Unlock()
	sm.ConnectSeconds = r.phase.connect.Seconds()
	sm.ChatSeconds = r.phase.chat.Seconds()
	sm.DrainSeconds = r.phase.drain.Seconds()
	sm.CloseSeconds = r.phase.close.Seconds()
	sm.ElapsedSeconds = time.Since(r.start).Seconds()
	if sm.ChatSeconds > 0 {
		sm.MessagesPerSecond = float64(sm.Sent) / sm.ChatSeconds
		sm.DeliveriesPerSec = float64(sm.Received) / sm.ChatSeconds
	}
	sm.LatencyP50Ms = r.lat.Quantile(0.5).Seconds() * 1000
	sm.LatencyP99Ms = r.lat.Quantile(0.99).Seconds() * 1000
	sm.LatencyP999Ms = r.lat.Quantile(0.999).Seconds() * 1000
	sm.LatencyMaxMs = r.lat.Max().Seconds() * 1000
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		sm.ClientCPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	sm.OK = status == "" && sm.Connected == c.sessions && sm.Joined == int64(c.sessions) &&
		sm.Lost == 0 && sm.Reordered == 0 && sm.Duplicates == 0 && sm.Unexpected == 0 &&
		sm.Errors == 0 && sm.Received == sm.ExpectedDeliveries
	sm.Status = status
	if sm.Status == "" {
		sm.Status = "failed"
		if sm.OK {
			sm.Status = "ok"
		}
	}
	return sm
}
