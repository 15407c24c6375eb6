package controller

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// jsonWrite is one JSON.stringify, walked in Go straight into a byte
// buffer: the response body is these bytes, with no JavaScript string made
// on the way. goja's own serializer costs a quarter of a JSON request's
// time and half of its allocations once guarded (its guard is a replacer
// called through the runtime for every value, with the key made a string).
//
// It follows SerializeJSONProperty (ECMA-262 25.5.2.2) for what scripts
// serialize: primitives, plain objects and arrays, wrappers of primitives,
// toJSON (so Dates) and the replacer and space arguments. Anything else
// (objects wrapping Go values, proxies, typed arrays) goes to goja's own
// serializer under the old guard, so that its output stays goja's to the
// byte.
type jsonWrite struct {
	s   *jsonStringifier
	buf []byte
	// wide is how many more bytes than UTF-16 code units buf holds: the
	// output bound counts characters, as V8's string length does.
	wide int64
	// stack is the chain of objects being serialized, for the cycle check
	// and the depth bound.
	stack    []*goja.Object
	replacer goja.Callable // the script's replacer function, if any
	keys     []string      // the script's property list, if it gave one
	// spaceArg is the argument as given, for goja's serializer when a
	// value goes to it (the replacer goes as user or keys).
	spaceArg    goja.Value
	gap, indent string
}

var (
	typeBool    = reflect.TypeFor[bool]()
	typeInt64   = reflect.TypeFor[int64]()
	typeFloat64 = reflect.TypeFor[float64]()
	typeString  = reflect.TypeFor[string]()
	typeBigInt  = reflect.TypeFor[*big.Int]()
	typeMap     = reflect.TypeFor[map[string]any]()
	typeSlice   = reflect.TypeFor[[]any]()
)

// top serializes v as the value of the key "" of a fresh holder, as the
// specification's wrapper object; false: v serializes to undefined.
func (j *jsonWrite) top(v goja.Value) bool {
	// A throw (a cycle, a toJSON, the timeout) skips the truncation that
	// each object does on its way out: its keys must not stay.
	base := len(j.s.names)
	defer func() {
		clear(j.s.names[base:])
		j.s.names = j.s.names[:base]
		if base == 0 && cap(j.s.names) > jsonKeepElems {
			j.s.names = nil // let a huge object's list go, as the parser does
		}
	}()
	var holder *goja.Object
	if j.replacer != nil { // only a replacer function can see the holder
		holder = j.s.vm.NewObject()
		_ = holder.DefineDataProperty("", v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	return j.property(holder, "", v)
}

// property serializes v, the value of key (an array's index, in decimal)
// in holder; false: nothing is written, as v serializes to undefined.
func (j *jsonWrite) property(holder *goja.Object, key string, v goja.Value) bool {
	j.s.checkStop()
	if o, ok := v.(*goja.Object); ok {
		if fn, ok := goja.AssertFunction(o.Get("toJSON")); ok {
			v = j.s.call(fn, o, j.s.vm.ToValue(key))
		}
	} else if v != nil && v.ExportType() == typeBigInt {
		if fn, ok := goja.AssertFunction(v.ToObject(j.s.vm).Get("toJSON")); ok {
			v = j.s.call(fn, v, j.s.vm.ToValue(key))
		}
	}
	if j.replacer != nil {
		v = j.s.call(j.replacer, holder, j.s.vm.ToValue(key), v)
	}
	return j.value(v)
}

func (j *jsonWrite) value(v goja.Value) bool {
	switch x := v.(type) {
	case nil, *goja.Symbol:
		return false
	case goja.String:
		j.quote(x)
		return true
	case *goja.Object:
		return j.object(x)
	}
	if goja.IsUndefined(v) {
		return false
	}
	if goja.IsNull(v) {
		j.write("null")
		return true
	}
	switch v.ExportType() {
	case typeBool:
		if v.ToBoolean() {
			j.write("true")
		} else {
			j.write("false")
		}
	case typeInt64:
		j.buf = strconv.AppendInt(j.buf, v.ToInteger(), 10)
		j.grew()
	case typeFloat64:
		j.number(v)
	case typeBigInt:
		panic(j.s.vm.NewTypeError("Do not know how to serialize a BigInt"))
	default:
		return false
	}
	return true
}

// number writes a float as Number::toString does; NaN and the infinities
// are null.
func (j *jsonWrite) number(v goja.Value) {
	f := v.ToFloat()
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		j.write("null")
	case f == math.Trunc(f) && math.Abs(f) <= 1<<53:
		// Exact integers print as themselves (-0 as "0", as it must);
		// past 2^53 the shortest digits that round-trip are not the
		// integer's.
		j.buf = strconv.AppendInt(j.buf, int64(f), 10)
		j.grew()
	default:
		j.write(v.String())
	}
}

func (j *jsonWrite) object(o *goja.Object) bool {
	if _, isFunc := goja.AssertFunction(o); isFunc {
		return false
	}
	switch o.ClassName() {
	case "Array":
		if o.ExportType() == typeSlice {
			j.enter(o)
			j.array(o)
			j.leave()
			return true
		}
	case "Number":
		if t := o.ExportType(); t == typeInt64 || t == typeFloat64 {
			return j.value(o.ToNumber())
		}
	case "String":
		if o.ExportType() == typeString {
			return j.value(o.ToString())
		}
	case "Boolean":
		if b, ok := o.Export().(bool); ok {
			return j.value(j.s.vm.ToValue(b))
		}
	case "BigInt":
		panic(j.s.vm.NewTypeError("Do not know how to serialize a BigInt"))
	case "Symbol":
		return false
	case "RawJSON":
		j.write(o.Get("rawJSON").String())
		return true
	default:
		// Ordinary objects (Error, RegExp and Math included) export as
		// maps; goja's wrappers of Go values, proxies, typed arrays and Maps
		// do not.
		if j.keys == nil {
			// Most objects a script serializes are plain: their
			// keys and values are read in place.
			base := len(j.s.names)
			if names, ok := j.s.props.names(o, j.s.names); ok {
				j.s.names = names
				j.enter(o)
				j.members(o, names[base:], j.s.props.values(o))
				j.leave()
				j.s.names = j.s.names[:base]
				return true
			}
		}
		if o.ExportType() == typeMap {
			if keys, ok := j.propertyNames(o); ok {
				j.enter(o)
				j.members(o, keys, nil)
				j.leave()
				return true
			}
		}
	}
	j.foreign(o)
	return true
}

// propertyNames are the keys object serializes under; false when one of
// them cannot be read back exactly (a lone surrogate, which goja's Keys
// gives as U+FFFD), which goja's serializer handles.
func (j *jsonWrite) propertyNames(o *goja.Object) ([]string, bool) {
	if j.keys != nil {
		return j.keys, true
	}
	keys := o.Keys()
	for _, k := range keys {
		if strings.Contains(k, "\uFFFD") {
			return nil, false
		}
	}
	return keys, true
}

func (j *jsonWrite) enter(o *goja.Object) {
	for _, seen := range j.stack {
		if seen == o {
			panic(j.s.vm.NewTypeError("Converting circular structure to JSON"))
		}
	}
	if len(j.stack) >= maxJSONDepth {
		panic(rangeError(j.s.vm, deepStringifyMessage()))
	}
	j.stack = append(j.stack, o)
}

func (j *jsonWrite) leave() { j.stack = j.stack[:len(j.stack)-1] }

func (j *jsonWrite) array(o *goja.Object) {
	n := o.Get("length").ToInteger()
	if n <= 0 {
		j.write("[]")
		return
	}
	stepback := j.indent
	j.indent += j.gap
	j.write("[")
	for i := int64(0); i < n; i++ {
		if i > 0 {
			j.write(",")
		}
		j.newline()
		key := strconv.FormatInt(i, 10)
		if !j.property(o, key, o.Get(key)) {
			j.write("null")
		}
	}
	j.indent = stepback
	j.newline()
	j.write("]")
}

// members writes o's properties keys; values, when given, is o's
// storage (plainProps), read instead of asking o for each value.
func (j *jsonWrite) members(o *goja.Object, keys []string, values map[string]goja.Value) {
	stepback := j.indent
	j.indent += j.gap
	open := len(j.buf)
	j.write("{")
	empty := true
	for _, k := range keys {
		// The key is written before its value is known to be there; the
		// output bound is checked once it is.
		mark, wide := len(j.buf), j.wide
		if !empty {
			j.buf = append(j.buf, ',')
		}
		if j.gap != "" {
			j.buf = append(j.buf, '\n')
			j.buf = append(j.buf, j.indent...)
		}
		j.buf = j.appendQuoted(j.buf, k)
		if j.gap != "" {
			j.buf = append(j.buf, ':', ' ')
		} else {
			j.buf = append(j.buf, ':')
		}
		var v goja.Value
		if values != nil {
			// Read now, not with the names: a toJSON or replacer
			// may have changed it meanwhile. A property it made an
			// accessor is asked for its value.
			v = values[k]
			if v != nil && j.s.props.flagged(v) {
				v = o.Get(k)
			}
		} else {
			v = o.Get(k)
		}
		if j.property(o, k, v) {
			empty = false
		} else {
			j.buf, j.wide = j.buf[:mark], wide
		}
	}
	j.indent = stepback
	if empty {
		j.buf = j.buf[:open]
		j.write("{}")
		return
	}
	j.newline()
	j.write("}")
}

func (j *jsonWrite) newline() {
	if j.gap != "" {
		j.write("\n")
		j.write(j.indent)
	}
}

// foreign hands o to goja's serializer, guarded as before, and inlines
// what it writes at the present indentation. toJSON and the replacer have
// been applied to o already; native keeps goja from applying either to o
// itself again.
func (j *jsonWrite) foreign(o *goja.Object) {
	text := j.s.native(o, j, int64(len(j.stack)))
	if j.gap != "" && j.indent != "" {
		text = strings.ReplaceAll(text, "\n", "\n"+j.indent)
	}
	for _, r := range text {
		if r >= utf8.RuneSelf {
			j.wide += int64(utf8.RuneLen(r) - utf16.RuneLen(r))
		}
	}
	j.write(text)
}

func (j *jsonWrite) write(s string) {
	j.buf = append(j.buf, s...)
	j.grew()
}

// grew enforces the output bound once the buffer has grown.
func (j *jsonWrite) grew() {
	if j.s.maxOutput > 0 && int64(len(j.buf))-j.wide > j.s.maxOutput {
		panic(rangeError(j.s.vm, "Invalid string length"))
	}
}

// quote writes a JavaScript string as QuoteJSONString does.
func (j *jsonWrite) quote(s goja.String) {
	text := s.String()
	if strings.Contains(text, "\uFFFD") {
		// A lone surrogate reads as U+FFFD from String(); the code units
		// tell it from a real U+FFFD, and it is written escaped.
		j.quoteUnits(s)
		return
	}
	j.quoteGo(text)
}

func (j *jsonWrite) quoteGo(text string) {
	j.buf = j.appendQuoted(j.buf, text)
	j.grew()
}

func (j *jsonWrite) appendQuoted(b []byte, text string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 {
				// goja keeps a Go string's invalid bytes as given; its
				// serializer reads them as U+FFFD, and so does a client.
				b = append(b, text[start:i]...)
				b = append(b, "\uFFFD"...)
				size = 3
				i++
				start = i
			} else {
				i += size
			}
			j.wide += int64(size - utf16.RuneLen(r))
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, text[start:i]...)
		b = appendEscape(b, rune(c))
		i++
		start = i
	}
	b = append(b, text[start:]...)
	return append(b, '"')
}

func (j *jsonWrite) quoteUnits(s goja.String) {
	j.buf = append(j.buf, '"')
	n := s.Length()
	for i := 0; i < n; i++ {
		c := rune(s.CharAt(i))
		if utf16.IsSurrogate(c) {
			if i+1 < n && c < 0xDC00 {
				if lo := rune(s.CharAt(i + 1)); lo >= 0xDC00 && lo <= 0xDFFF {
					j.buf = utf8.AppendRune(j.buf, utf16.DecodeRune(c, lo))
					j.wide += 2
					i++
					continue
				}
			}
			j.buf = appendEscape(j.buf, c)
			continue
		}
		if c < 0x20 || c == '"' || c == '\\' {
			j.buf = appendEscape(j.buf, c)
			continue
		}
		j.buf = utf8.AppendRune(j.buf, c)
		j.wide += int64(utf8.RuneLen(c) - 1)
	}
	j.buf = append(j.buf, '"')
	j.grew()
}

const hexDigits = "0123456789abcdef"

func appendEscape(b []byte, c rune) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', byte(c))
	case '\b':
		return append(b, '\\', 'b')
	case '\t':
		return append(b, '\\', 't')
	case '\n':
		return append(b, '\\', 'n')
	case '\f':
		return append(b, '\\', 'f')
	case '\r':
		return append(b, '\\', 'r')
	}
	return append(b, '\\', 'u', hexDigits[c>>12&0xF], hexDigits[c>>8&0xF], hexDigits[c>>4&0xF], hexDigits[c&0xF])
}
