package controller

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/dop251/goja"
)

// jsonParser is JSON.parse for one runtime. goja's own goes through
// encoding/json's Decoder.Token, an interface value and a string copy per
// token and an error wrapper per call: it was 43% of the CPU of a request
// that parses a 2 KB body. This one builds goja values straight from the
// text, with the grammar and the results of ECMAScript's JSON.parse where
// goja's departs from them (lone surrogates survive, 1e400 is Infinity).
//
// It counts its own depth, so no input can overflow the Go stack, and it
// calls no script code while it parses: the runtime's intrinsics it needs
// are taken when it is made, before any script could replace them.
type jsonParser struct {
	vm          *goja.Runtime
	objectProto *goja.Object
	syntaxError *goja.Object
	// Reflect's functions do what the spec's abstract operations do
	// (CreateDataProperty, [[Delete]]: false on failure, not a throw), for
	// the reviver's walk and for keys a Go string cannot carry.
	defineProperty goja.Callable
	deleteProperty goja.Callable
	get            goja.Callable
	isArray        goja.Callable
	keysOf         goja.Callable
	valueTrue      goja.Value
	valueFalse     goja.Value
	negativeZero   goja.Value

	s     string
	pos   int
	depth int
	// exact: s was rebuilt from the string's UTF-16 code units, each lone
	// surrogate encoded as if it were a code point (WTF-8).
	exact bool
	busy  bool

	elems   []any        // pending array elements, shared by every level
	members []jsonMember // pending object members, likewise
	props   plainProps   // to size an object's key list before it is filled
	buf     []byte
	keys    map[string]string
}

// The scratch space kept between calls; a larger one made for a large input
// goes with it.
const (
	jsonKeepElems = 4096
	jsonKeepBuf   = 64 << 10
	// Keys are interned across calls: the same few recur in every request
	// and in every element of an array of records, and a key a property
	// keeps must not pin the whole text it was sliced from.
	jsonInternKeys   = 4096
	jsonInternKeyLen = 64
)

// jsonMember is an object member read and not yet set.
type jsonMember struct {
	name string
	odd  goja.Value // the key, when a Go string cannot carry it (name is then unused)
	v    goja.Value
}

// jsonSyntaxError unwinds the parser; parse turns it into a SyntaxError.
type jsonSyntaxError struct{ msg string }

func newJSONParser(vm *goja.Runtime, props plainProps) (*jsonParser, error) {
	var missing []string
	intrinsic := func(object, name string) goja.Callable {
		f, ok := goja.AssertFunction(vm.Get(object).ToObject(vm).Get(name))
		if !ok {
			missing = append(missing, object+"."+name)
		}
		return f
	}
	p := &jsonParser{
		vm:             vm,
		objectProto:    vm.NewObject().Prototype(),
		syntaxError:    vm.Get("SyntaxError").ToObject(vm),
		defineProperty: intrinsic("Reflect", "defineProperty"),
		deleteProperty: intrinsic("Reflect", "deleteProperty"),
		get:            intrinsic("Reflect", "get"),
		isArray:        intrinsic("Array", "isArray"),
		keysOf:         intrinsic("Object", "keys"),
		valueTrue:      vm.ToValue(true),
		valueFalse:     vm.ToValue(false),
		negativeZero:   vm.ToValue(math.Copysign(0, -1)),
		keys:           map[string]string{},
		props:          props,
	}
	if missing != nil {
		return nil, fmt.Errorf("controller: %s missing", strings.Join(missing, ", "))
	}
	return p, nil
}

// Parse is JSON.parse(text, reviver) with text already converted to a
// string.
func (p *jsonParser) Parse(text goja.String, reviver goja.Value) goja.Value {
	if p.busy {
		// A parse runs no script code, so nothing should call back in
		// mid-parse; should that change, the nested call must not share
		// this one's state.
		q := *p
		q.busy, q.elems, q.members, q.buf, q.keys = false, nil, nil, nil, map[string]string{}
		return q.Parse(text, reviver)
	}
	v := p.parse(text)
	if fn, ok := goja.AssertFunction(reviver); ok {
		root := p.vm.NewObject()
		if err := root.DefineDataProperty("", v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
			panic(err)
		}
		v = p.revive(fn, root, p.vm.ToValue(""))
	}
	return v
}

func (p *jsonParser) parse(text goja.String) (v goja.Value) {
	p.s, p.exact = text.String(), false
	// String() replaces lone surrogates with U+FFFD; where one may have
	// been, read the code units themselves.
	if strings.Contains(p.s, "\uFFFD") {
		p.s, p.exact = wtf8(text), true
	}
	p.pos, p.depth, p.busy = 0, 0, true
	defer func() {
		p.s, p.busy = "", false
		// Each level clears what it used on its way out; a syntax
		// error leaves what its levels held, up to len.
		clear(p.elems)
		if cap(p.elems) > jsonKeepElems {
			p.elems = nil
		}
		p.elems = p.elems[:0]
		clear(p.members)
		if cap(p.members) > jsonKeepElems {
			p.members = nil
		}
		p.members = p.members[:0]
		if cap(p.buf) > jsonKeepBuf {
			p.buf = nil
		}
		if r := recover(); r != nil {
			e, ok := r.(*jsonSyntaxError)
			if !ok {
				panic(r)
			}
			exc, err := p.vm.New(p.syntaxError, p.vm.ToValue(e.msg))
			if err != nil {
				panic(err)
			}
			panic(exc)
		}
	}()
	v = p.value()
	p.space()
	if p.pos < len(p.s) {
		p.fail("Unexpected non-whitespace character after JSON at position " + p.position(p.pos))
	}
	return v
}

func (p *jsonParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() goja.Value {
	p.space()
	if p.pos >= len(p.s) {
		p.fail("Unexpected end of JSON input")
	}
	switch c := p.s[p.pos]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		return p.stringValue()
	case 't':
		p.literal("true")
		return p.valueTrue
	case 'f':
		p.literal("false")
		return p.valueFalse
	case 'n':
		p.literal("null")
		return goja.Null()
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return p.number()
		}
		p.unexpected(p.pos)
		return nil
	}
}

// listEnds reads what follows a member of an array or object: its closing
// bracket (true) or a comma (false).
func (p *jsonParser) listEnds(closing byte) bool {
	p.space()
	if p.pos >= len(p.s) {
		p.fail("Unexpected end of JSON input")
	}
	c := p.s[p.pos]
	p.pos++
	if c == closing {
		return true
	}
	if c != ',' {
		p.unexpected(p.pos - 1)
	}
	return false
}

func (p *jsonParser) literal(word string) {
	for i := 0; i < len(word); i++ {
		if p.pos+i >= len(p.s) {
			p.fail("Unexpected end of JSON input")
		}
		if p.s[p.pos+i] != word[i] {
			p.unexpected(p.pos + i)
		}
	}
	p.pos += len(word)
}

func (p *jsonParser) enter() {
	p.depth++
	if p.depth > maxJSONDepth {
		p.fail("JSON nested deeper than " + strconv.Itoa(maxJSONDepth) + " levels")
	}
}

func (p *jsonParser) array() goja.Value {
	p.enter()
	p.pos++
	start := len(p.elems)
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
	} else {
		for {
			// Not append(p.elems, p.value()): the nested call may grow
			// p.elems, and Go may read p.elems before or after it.
			v := p.value()
			p.elems = append(p.elems, v)
			if p.listEnds(']') {
				break
			}
		}
	}
	// NewArray copies the values, so one scratch stack serves every level.
	a := p.vm.NewArray(p.elems[start:]...)
	clear(p.elems[start:])
	p.elems = p.elems[:start]
	p.depth--
	return a
}

func (p *jsonParser) object() goja.Value {
	p.enter()
	p.pos++
	// Made without a prototype and given Object.prototype once filled, so
	// that Set is CreateDataProperty: no setter up the chain runs (not
	// __proto__'s, nor one a script put on Object.prototype), and "__proto__"
	// becomes an own property as the spec says.
	start := len(p.members)
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
	} else {
		for {
			p.space()
			if p.pos >= len(p.s) {
				p.fail("Unexpected end of JSON input")
			}
			if p.s[p.pos] != '"' {
				p.unexpected(p.pos)
			}
			name, odd := p.key()
			p.space()
			if p.pos >= len(p.s) {
				p.fail("Unexpected end of JSON input")
			}
			if p.s[p.pos] != ':' {
				p.unexpected(p.pos)
			}
			p.pos++
			// Not append(p.members, …p.value()): the nested call
			// may grow the slice.
			v := p.value()
			p.members = append(p.members, jsonMember{name, odd, v})
			if p.listEnds('}') {
				break
			}
		}
	}
	// The members are all read before the object is made, so that its
	// list of keys is made once at its size: goja grows it one append at
	// a time (four allocations for five keys).
	o := p.vm.CreateObject(nil)
	p.props.presize(o, len(p.members)-start)
	for _, m := range p.members[start:] {
		var err error
		if m.odd != nil {
			err = p.defineOdd(o, m.odd, m.v)
		} else {
			err = o.Set(m.name, m.v)
		}
		if err != nil {
			panic(err)
		}
	}
	clear(p.members[start:])
	p.members = p.members[:start]
	if err := o.SetPrototype(p.objectProto); err != nil {
		panic(err)
	}
	p.depth--
	return o
}

// defineOdd creates the property for a key with a lone surrogate, which no
// Go string can name.
func (p *jsonParser) defineOdd(o *goja.Object, name, v goja.Value) error {
	_, err := p.defineProperty(goja.Undefined(), o, name, p.dataDescriptor(v))
	return err
}

func (p *jsonParser) dataDescriptor(v goja.Value) *goja.Object {
	// No prototype: an inherited "get" or "set" must not make it an
	// accessor descriptor.
	d := p.vm.CreateObject(nil)
	for _, kv := range [...]struct {
		k string
		v goja.Value
	}{{"value", v}, {"writable", p.valueTrue}, {"enumerable", p.valueTrue}, {"configurable", p.valueTrue}} {
		if err := d.Set(kv.k, kv.v); err != nil {
			panic(err)
		}
	}
	return d
}

// key reads a property name: a Go string, interned, or a JS string when it
// holds a lone surrogate.
func (p *jsonParser) key() (string, goja.Value) {
	raw, end, ascii := p.scanString()
	if end > 0 {
		p.pos = end
		if k, ok := p.keys[raw]; ok {
			return k, nil
		}
		if !ascii {
			// Set converts it to UTF-16, a copy: no need to intern.
			return raw, nil
		}
		return p.intern(raw), nil
	}
	b, lone := p.unescape()
	if lone {
		return "", wtf8Value(b)
	}
	if k, ok := p.keys[string(b)]; ok {
		return k, nil
	}
	return p.intern(unsafe.String(unsafe.SliceData(b), len(b))), nil
}

// intern copies k (it may be a view of p.buf).
func (p *jsonParser) intern(k string) string {
	k = strings.Clone(k)
	if len(k) <= jsonInternKeyLen {
		// Full, it starts afresh: keys made of data (ids, say) must not
		// keep out the ones that recur.
		if len(p.keys) >= jsonInternKeys {
			clear(p.keys)
		}
		p.keys[k] = k
	}
	return k
}

func (p *jsonParser) stringValue() goja.Value {
	raw, end, ascii := p.scanString()
	// Invalid UTF-8 is U+FFFD in the text's JS string; unescape writes it
	// so, where goja would keep the bytes for Go to see.
	if end > 0 && (ascii || utf8.ValidString(raw)) {
		p.pos = end
		return p.newString(raw, ascii)
	}
	b, lone := p.unescape()
	if lone {
		return wtf8Value(b)
	}
	// A view of p.buf, which newString copies.
	return p.newString(unsafe.String(unsafe.SliceData(b), len(b)), isASCII(b))
}

// newString is the JS string of valid UTF-8 s, a copy: a value must not pin
// the whole text.
func (p *jsonParser) newString(s string, ascii bool) goja.Value {
	if ascii {
		// A plain ASCII string, where ToValue would make one to be
		// scanned at first use.
		var b goja.StringBuilder
		b.Grow(len(s))
		b.WriteUTF8String(s)
		return b.String()
	}
	// Left to goja to convert to UTF-16 if and when a script looks.
	return p.vm.ToValue(strings.Clone(s))
}

// scanString looks at the string literal at p.pos: if it has no escape,
// nothing below U+0020 and, where the text is WTF-8, nothing past ASCII,
// its raw content and the offset past it (0 otherwise), and whether it is
// all ASCII.
func (p *jsonParser) scanString() (raw string, end int, ascii bool) {
	s := p.s
	var high byte
	for i := p.pos + 1; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			return s[p.pos+1 : i], i + 1, high < utf8.RuneSelf
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf && p.exact {
			return "", 0, false
		}
		high |= c
	}
	return "", 0, false
}

// unescape decodes the string literal at p.pos into p.buf as UTF-8, with
// lone surrogates as WTF-8 and lone reporting whether there are any.
func (p *jsonParser) unescape() (b []byte, lone bool) {
	s := p.s
	b = p.buf[:0]
	i := p.pos + 1
	for {
		if i >= len(s) {
			p.fail("Unterminated string in JSON at position " + p.position(i))
		}
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = b
			return b, lone
		case c < 0x20:
			p.fail("Bad control character in string literal in JSON at position " + p.position(i))
		case c == '\\':
			if i+1 >= len(s) {
				p.fail("Unterminated string in JSON at position " + p.position(i+1))
			}
			e := s[i+1]
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				u := p.hex4(i + 2)
				i += 6
				if utf16.IsSurrogate(rune(u)) {
					if u < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if lo := p.hex4(i + 2); lo >= 0xDC00 && lo <= 0xDFFF {
							b = utf8.AppendRune(b, utf16.DecodeRune(rune(u), rune(lo)))
							i += 6
							continue
						}
					}
					lone = true
					b = appendSurrogate(b, u)
					continue
				}
				b = utf8.AppendRune(b, rune(u))
				continue
			default:
				p.fail("Bad escaped character in JSON at position " + p.position(i+1))
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		case p.exact:
			// Our own WTF-8: copied as it is, a surrogate noted.
			if c == 0xED && i+1 < len(s) && s[i+1] >= 0xA0 {
				lone = true
			}
			_, w := utf8.DecodeRuneInString(s[i:])
			if w == 1 && c == 0xED {
				w = 3
			}
			b = append(b, s[i:i+w]...)
			i += w
		default:
			// Invalid UTF-8 is U+FFFD in the text's JS string, and must be
			// here too: WTF-8 would read some of it as a surrogate.
			r, w := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += w
		}
	}
}

func (p *jsonParser) hex4(at int) uint16 {
	var u uint16
	for i := at; i < at+4; i++ {
		if i >= len(p.s) {
			p.fail("Unterminated string in JSON at position " + p.position(i))
		}
		c := p.s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			p.fail("Bad Unicode escape in JSON at position " + p.position(i))
		}
		u = u<<4 | uint16(d)
	}
	return u
}

func (p *jsonParser) number() goja.Value {
	s := p.s
	start := p.pos
	i := start
	neg := s[i] == '-'
	if neg {
		i++
	}
	digits := i
	switch {
	case i >= len(s):
		p.fail("No number after minus sign in JSON at position " + p.position(i))
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		p.fail("No number after minus sign in JSON at position " + p.position(i))
	}
	integer := i
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			p.fail("Unterminated fractional number in JSON at position " + p.position(i))
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			p.fail("Exponent part is missing a number in JSON at position " + p.position(i))
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	p.pos = i
	// An integer of up to 15 digits is exact in an int64 and a float64 alike.
	if i == integer && integer-digits <= 15 {
		var n int64
		for _, c := range []byte(s[digits:integer]) {
			n = n*10 + int64(c-'0')
		}
		if neg {
			if n == 0 {
				return p.negativeZero
			}
			n = -n
		}
		return p.vm.ToValue(n)
	}
	// Past the float64 range ParseFloat answers ±Inf and 0 with ErrRange:
	// what the spec's StringToNumber gives too.
	f, _ := strconv.ParseFloat(s[start:i], 64)
	return p.vm.ToValue(f)
}

func (p *jsonParser) fail(msg string) {
	panic(&jsonSyntaxError{msg: msg})
}

func (p *jsonParser) unexpected(at int) {
	r, _ := utf8.DecodeRuneInString(p.s[at:])
	tok := string(r)
	if !unicode.IsPrint(r) || r == utf8.RuneError {
		tok = strconv.QuoteRune(r)
		tok = tok[1 : len(tok)-1]
	}
	p.fail("Unexpected token " + tok + " in JSON at position " + p.position(at))
}

// position is the offset in UTF-16 code units, as a script counts, of byte
// at of the text.
func (p *jsonParser) position(at int) string {
	n := 0
	for i := 0; i < at && i < len(p.s); {
		c := p.s[i]
		if c < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, w := utf8.DecodeRuneInString(p.s[i:])
		if w == 1 && p.exact && c == 0xED {
			w = 3
		}
		if r > 0xFFFF {
			n++
		}
		n++
		i += w
	}
	return strconv.Itoa(n)
}

func isASCII(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// wtf8 is the text of s, code unit by code unit, with each lone surrogate
// encoded as a code point would be (invalid UTF-8, which is the point).
func wtf8(s goja.String) string {
	n := s.Length()
	b := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		if utf16.IsSurrogate(rune(c)) && c < 0xDC00 && i+1 < n {
			if lo := s.CharAt(i + 1); lo >= 0xDC00 && lo <= 0xDFFF {
				b = utf8.AppendRune(b, utf16.DecodeRune(rune(c), rune(lo)))
				i++
				continue
			}
		}
		if utf16.IsSurrogate(rune(c)) {
			b = appendSurrogate(b, c)
			continue
		}
		b = utf8.AppendRune(b, rune(c))
	}
	return string(b)
}

func appendSurrogate(b []byte, c uint16) []byte {
	return append(b, 0xE0|byte(c>>12), 0x80|byte(c>>6)&0x3F, 0x80|byte(c)&0x3F)
}

// wtf8Value is the JS string of WTF-8 b, its surrogates as code units.
func wtf8Value(b []byte) goja.Value {
	u := make([]uint16, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] == 0xED && i+2 < len(b) && b[i+1] >= 0xA0 {
			u = append(u, uint16(b[i]&0x0F)<<12|uint16(b[i+1]&0x3F)<<6|uint16(b[i+2]&0x3F))
			i += 3
			continue
		}
		r, w := utf8.DecodeRune(b[i:])
		if r > 0xFFFF {
			hi, lo := utf16.EncodeRune(r)
			u = append(u, uint16(hi), uint16(lo))
		} else {
			u = append(u, uint16(r))
		}
		i += w
	}
	return goja.StringFromUTF16(u)
}

// revive is the spec's InternalizeJSONProperty: the reviver sees every
// value, innermost first, and what it answers replaces it (undefined
// deletes it).
func (p *jsonParser) revive(reviver goja.Callable, holder *goja.Object, name goja.Value) goja.Value {
	val := p.call(p.get, holder, name)
	if o, ok := val.(*goja.Object); ok {
		if p.call(p.isArray, o).ToBoolean() {
			n := toLength(p.call(p.get, o, p.vm.ToValue("length")))
			for i := int64(0); i < n; i++ {
				p.reviveMember(reviver, o, p.vm.ToValue(strconv.FormatInt(i, 10)))
			}
		} else {
			keys := p.call(p.keysOf, o).ToObject(p.vm)
			n := keys.Get("length").ToInteger()
			for i := int64(0); i < n; i++ {
				p.reviveMember(reviver, o, keys.Get(strconv.FormatInt(i, 10)))
			}
		}
	}
	v, err := reviver(holder, name, val)
	if err != nil {
		panic(err)
	}
	return v
}

func (p *jsonParser) reviveMember(reviver goja.Callable, o *goja.Object, name goja.Value) {
	v := p.revive(reviver, o, name)
	if goja.IsUndefined(v) {
		p.call(p.deleteProperty, o, name)
	} else {
		p.call(p.defineProperty, o, name, p.dataDescriptor(v))
	}
}

func (p *jsonParser) call(fn goja.Callable, args ...goja.Value) goja.Value {
	v, err := fn(goja.Undefined(), args...)
	if err != nil {
		panic(err)
	}
	return v
}

func toLength(v goja.Value) int64 {
	f := v.ToNumber().ToFloat()
	switch {
	case !(f > 0):
		return 0
	case f >= 1<<53-1:
		return 1<<53 - 1
	}
	return int64(f)
}
