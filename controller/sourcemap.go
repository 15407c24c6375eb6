package controller

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// goja looks up a position in a source map with a column counted from 1
// where the format counts from 0, and prints the original column it finds
// as it is, counted from 0: every column it reports is one short, and a
// lookup can land on the mapping after the right one. onePlusColumns
// moves every generated and original column of a map one to the right, so
// that both of goja's steps come out right.

// vlqAlphabet is base64's, in which source map mappings encode numbers.
const vlqAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// inlineSourceMap is the comment that carries a source map in the script.
func inlineSourceMap(sourceMap []byte) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(sourceMap, &m); err != nil {
		return "", err
	}
	mappings, _ := m["mappings"].(string)
	m["mappings"] = onePlusColumns(mappings)
	out, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return "\n//# sourceMappingURL=data:application/json;base64," + base64.StdEncoding.EncodeToString(out) + "\n", nil
}

// onePlusColumns adds one to every generated and original column of
// mappings. Generated columns restart at each line and original columns
// run on across the map, each relative to the one before: it is enough to
// add one to the first segment's generated column on each line, and to
// the first original column of the map.
func onePlusColumns(mappings string) string {
	var b strings.Builder
	b.Grow(len(mappings) + 16)
	sourceShifted := false
	for i, line := range strings.Split(mappings, ";") {
		if i > 0 {
			b.WriteByte(';')
		}
		for j, seg := range strings.Split(line, ",") {
			if j > 0 {
				b.WriteByte(',')
			}
			if seg == "" {
				continue
			}
			fields, ok := decodeVLQ(seg)
			if !ok {
				b.WriteString(seg) // not a mapping we understand: leave it
				continue
			}
			if j == 0 {
				fields[0]++
			}
			if !sourceShifted && len(fields) >= 4 {
				fields[3]++
				sourceShifted = true
			}
			for _, v := range fields {
				encodeVLQ(&b, v)
			}
		}
	}
	return b.String()
}

func decodeVLQ(seg string) ([]int, bool) {
	var out []int
	value, shift := 0, 0
	for i := 0; i < len(seg); i++ {
		d := strings.IndexByte(vlqAlphabet, seg[i])
		if d < 0 {
			return nil, false
		}
		value |= (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		if value&1 != 0 {
			out = append(out, -(value >> 1))
		} else {
			out = append(out, value>>1)
		}
		value, shift = 0, 0
	}
	return out, shift == 0
}

func encodeVLQ(b *strings.Builder, v int) {
	u := v << 1
	if v < 0 {
		u = (-v << 1) | 1
	}
	for {
		d := u & 31
		u >>= 5
		if u != 0 {
			d |= 32
		}
		b.WriteByte(vlqAlphabet[d])
		if u == 0 {
			return
		}
	}
}
