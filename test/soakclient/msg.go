package main

import (
	"bytes"
	"math"
	"strconv"
)

// appendMsg builds "m <room> <member> <seq> <nanos> " padded with 'x'.
func appendMsg(dst []byte, room, member int, seq, nanos int64, size int) []byte {
	dst = append(dst, "m "...)
	for _, n := range [...]int64{int64(room), int64(member), seq, nanos} {
		dst = strconv.AppendInt(dst, n, 10)
		dst = append(dst, ' ')
	}
	for len(dst) < size {
		dst = append(dst, 'x')
	}
	return dst
}

func parseMsg(p []byte) (room, member int, seq int32, nanos int64, ok bool) {
	if !bytes.HasPrefix(p, []byte("m ")) {
		return
	}
	p = p[2:]
	var f [4]int64
	for i := range f {
		j := bytes.IndexByte(p, ' ')
		if j <= 0 {
			return
		}
		v, err := strconv.ParseInt(string(p[:j]), 10, 64)
		if err != nil {
			return
		}
		f[i] = v
		p = p[j+1:]
	}
	if f[2] <= 0 || f[2] > math.MaxInt32 {
		return
	}
	return int(f[0]), int(f[1]), int32(f[2]), f[3], true
}

func trunc(p []byte) string {
	if len(p) > 80 {
		return string(p[:80]) + "..."
	}
	return string(p)
}
