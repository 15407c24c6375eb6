package controller

import (
	"slices"

	"github.com/dop251/goja"
)

// fielder makes the value of one of a lazy object's own properties.
type fielder interface {
	field(key string) goja.Value
}

// lazyProps backs a goja dynamic object whose properties are known when it
// is made but whose values are made only when a script first reads them,
// and then kept (so that event.session === event.session). Scripts may
// still add, replace and delete properties as on any plain object. XP's
// WebSocket event and request objects are built this way: a handler reads
// a few of their fields, and building the whole object graph for every
// message cost 2 µs and 38 allocations, for every request about 5 µs.
type lazyProps struct {
	src   fielder      // the object that embeds these props
	names []string     // own properties at creation; shared, never changed
	vals  []goja.Value // values of names, by index, once made or assigned; made on first use unless the embedder gives it room
	// changed is what a script did to the set of own properties, nil
	// until it adds or deletes one, as handlers seldom do: a WebSocket
	// event is two of these objects, made for every message.
	changed *lazyChanges
}

type lazyChanges struct {
	keys  []string              // own properties now, in order; nil while they are names
	extra map[string]goja.Value // properties a script added
}

func (p *lazyProps) own() []string {
	if p.changed == nil || p.changed.keys == nil {
		return p.names
	}
	return p.changed.keys
}

func (p *lazyProps) index(key string) int { return slices.Index(p.names, key) }

func (p *lazyProps) has(key string) bool { return slices.Contains(p.own(), key) }

func (p *lazyProps) get(key string) goja.Value {
	if !p.has(key) {
		return nil
	}
	if i := p.index(key); i >= 0 {
		if p.vals == nil {
			p.vals = make([]goja.Value, len(p.names))
		}
		if p.vals[i] == nil {
			v := p.src.field(key)
			if v == nil {
				v = goja.Undefined()
			}
			p.vals[i] = v
		}
		return p.vals[i]
	}
	return p.changed.extra[key]
}

func (p *lazyProps) set(key string, v goja.Value) bool {
	if !p.has(key) {
		p.change().keys = append(slices.Clone(p.own()), key)
	}
	if i := p.index(key); i >= 0 {
		if p.vals == nil {
			p.vals = make([]goja.Value, len(p.names))
		}
		p.vals[i] = v
		return true
	}
	c := p.change()
	if c.extra == nil {
		c.extra = map[string]goja.Value{}
	}
	c.extra[key] = v
	return true
}

func (p *lazyProps) del(key string) bool {
	if i := slices.Index(p.own(), key); i >= 0 {
		p.change().keys = slices.Delete(slices.Clone(p.own()), i, i+1)
	}
	if i := p.index(key); i >= 0 && p.vals != nil {
		p.vals[i] = nil
	}
	if p.changed != nil {
		delete(p.changed.extra, key)
	}
	return true
}

func (p *lazyProps) change() *lazyChanges {
	if p.changed == nil {
		p.changed = &lazyChanges{}
	}
	return p.changed
}

// The goja.DynamicObject methods, promoted to every type that embeds
// lazyProps.

func (p *lazyProps) Get(key string) goja.Value         { return p.get(key) }
func (p *lazyProps) Set(key string, v goja.Value) bool { return p.set(key, v) }
func (p *lazyProps) Has(key string) bool               { return p.has(key) }
func (p *lazyProps) Delete(key string) bool            { return p.del(key) }
func (p *lazyProps) Keys() []string                    { return p.own() }
