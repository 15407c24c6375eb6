package controller

import (
	"reflect"
	"slices"
	"unsafe"

	"github.com/dop251/goja"
)

// plainProps reads an ordinary object's own property names from goja's
// storage, in place of goja.Object.Keys. Keys builds an iterator, a
// closure per step and a string value per name: 16 allocations for four
// keys, 14% of the CPU of a controller that answers a small JSON document
// (six objects), more than its own JavaScript. goja offers no cheaper way
// to enumerate an object, so this reads the fields that Keys reads:
// baseObject.propNames, the names in order, and baseObject.values, from
// which a *valueProperty (an accessor, or a property defined with flags)
// tells that the flags must be asked, which is left to Keys.
//
// Nothing here is taken on trust: where the fields are and what types they
// have is read through reflect when a runtime starts, checked against the
// goja.Value interface and against Keys on sample objects, and any
// mismatch (a goja upgrade that moved them) turns the shortcut off, so
// that Keys serves as before. Only objects whose implementation is the
// plain baseObject, with no name that starts with a digit (integer-like
// names Keys orders first) and ASCII names (goja stores others in its own encoding), are read;
// every other object goes to Keys.
type plainProps struct {
	ok        bool
	selfOff   uintptr        // goja.Object.self, an objectImpl interface
	baseType  unsafe.Pointer // its type word for a *baseObject
	valuesOff uintptr        // baseObject.values, map[unistring.String]Value
	namesOff  uintptr        // baseObject.propNames, []unistring.String
	idxOff    uintptr        // baseObject.idxPropCount, int
	propType  unsafe.Pointer // type word of a *valueProperty in a Value
}

// iface is an interface value's two words.
type iface struct{ typ, data unsafe.Pointer }

func newPlainProps(vm *goja.Runtime) plainProps {
	var p plainProps
	objType := reflect.TypeFor[goja.Object]()
	self, ok := objType.FieldByName("self")
	if !ok || self.Type.Kind() != reflect.Interface {
		return p
	}
	sample := vm.NewObject()
	impl := reflect.ValueOf(sample).Elem().FieldByIndex(self.Index).Elem()
	if impl.Kind() != reflect.Pointer || impl.Type().Elem().Kind() != reflect.Struct {
		return p
	}
	base := impl.Type().Elem()
	values, ok1 := base.FieldByName("values")
	names, ok2 := base.FieldByName("propNames")
	idx, ok3 := base.FieldByName("idxPropCount")
	if !ok1 || !ok2 || !ok3 ||
		values.Type.Kind() != reflect.Map || values.Type.Key().Kind() != reflect.String ||
		values.Type.Elem() != reflect.TypeFor[goja.Value]() ||
		names.Type.Kind() != reflect.Slice || names.Type.Elem().Kind() != reflect.String ||
		idx.Type.Kind() != reflect.Int || len(values.Index) != 1 || len(names.Index) != 1 || len(idx.Index) != 1 {
		return p
	}
	p.selfOff, p.valuesOff, p.namesOff, p.idxOff = self.Offset, values.Offset, names.Offset, idx.Offset
	p.baseType = (*iface)(unsafe.Add(unsafe.Pointer(sample), p.selfOff)).typ

	flagged := vm.NewObject()
	if flagged.DefineDataProperty("hidden", vm.ToValue(1), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE) != nil {
		return p
	}
	v := p.values(flagged)["hidden"]
	if v == nil || reflect.TypeOf(v).String() != "*goja.valueProperty" {
		return p
	}
	p.propType = (*iface)(unsafe.Pointer(&v)).typ

	// The reading must agree with Keys.
	_ = sample.Set("b", 1)
	_ = sample.Set("a", "x")
	_ = sample.Set("c", true)
	_ = sample.Delete("a")
	_ = sample.Set("", 0)
	p.ok = true
	keys, ok := p.names(sample, nil)
	p.ok = ok && slices.Equal(keys, sample.Keys())
	for _, k := range keys {
		// What is stored is the value itself, not a wrapper of it.
		p.ok = p.ok && p.values(sample)[k] == sample.Get(k)
	}
	accessor := vm.NewObject()
	getter := vm.ToValue(func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	if accessor.DefineAccessorProperty("a", getter, nil, goja.FLAG_TRUE, goja.FLAG_TRUE) != nil {
		p.ok = false
	}
	// A property with flags, or an accessor, must go to Keys.
	for _, o := range []*goja.Object{flagged, accessor} {
		if _, plain := p.names(o, nil); plain {
			p.ok = false
		}
	}
	return p
}

// base is o's baseObject, or nil when o is implemented otherwise.
func (p *plainProps) base(o *goja.Object) unsafe.Pointer {
	self := (*iface)(unsafe.Add(unsafe.Pointer(o), p.selfOff))
	if self.typ != p.baseType {
		return nil
	}
	return self.data
}

func (p *plainProps) values(o *goja.Object) map[string]goja.Value {
	b := p.base(o)
	if b == nil {
		return nil
	}
	// map[unistring.String]Value: a string key type, hashed and compared
	// as a string.
	return *(*map[string]goja.Value)(unsafe.Add(b, p.valuesOff))
}

// names appends o's own enumerable string keys to dst, in Keys' order;
// false when o must go to Keys.
func (p *plainProps) names(o *goja.Object, dst []string) ([]string, bool) {
	if !p.ok {
		return dst, false
	}
	b := p.base(o)
	if b == nil || *(*int)(unsafe.Add(b, p.idxOff)) != 0 {
		return dst, false
	}
	values := *(*map[string]goja.Value)(unsafe.Add(b, p.valuesOff))
	names := *(*[]string)(unsafe.Add(b, p.namesOff))
	start := len(dst)
	for _, name := range names {
		v := values[name]
		if v == nil {
			continue // deleted
		}
		// Keys puts integer-like names first, in numeric order, sorting
		// them lazily: any name that starts with a digit goes to Keys.
		if p.flagged(v) || name != "" && name[0] <= '9' && name[0] >= '0' || !isASCII(unsafe.Slice(unsafe.StringData(name), len(name))) {
			return dst[:start], false
		}
		dst = append(dst, name)
	}
	return dst, true
}

// flagged reports whether v, read from an object's storage, is a
// property with flags or an accessor rather than a value.
func (p *plainProps) flagged(v goja.Value) bool {
	return (*iface)(unsafe.Pointer(&v)).typ == p.propType
}

// presize gives a new, empty plain object room for n keys in its list of
// names, which goja otherwise grows one append at a time. The list's
// elements are unistring.String, a string type: a []string is the same
// slice.
func (p *plainProps) presize(o *goja.Object, n int) {
	if !p.ok || n < 2 {
		return
	}
	b := p.base(o)
	if b == nil {
		return
	}
	names := (*[]string)(unsafe.Add(b, p.namesOff))
	if len(*names) == 0 && cap(*names) < n {
		*names = make([]string, 0, n)
	}
}
