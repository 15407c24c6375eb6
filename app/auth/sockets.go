package auth

import (
	"strings"
	"time"
)

// socketRef is one open WebSocket session of a user.
type socketRef struct {
	close func(code int, reason string)
}

// tracker records the WebSocket sessions a user opens, so that logout can
// close them. A session whose login was ended between its upgrade and its
// open event is closed at once.
func (a *Auth) tracker(login string, issued int64) func(func(int, string)) func() {
	key := strings.ToLower(login)
	return func(closeFn func(int, string)) func() {
		ref := &socketRef{close: closeFn}
		a.smu.Lock()
		if issued != 0 && a.logouts.revoked(login, issued) {
			a.smu.Unlock()
			closeFn(1008, "logged out")
			return func() {}
		}
		set := a.sockets[key]
		if set == nil {
			set = map[*socketRef]struct{}{}
			a.sockets[key] = set
		}
		set[ref] = struct{}{}
		if a.watchStop == nil && a.users != nil {
			a.watchStop = make(chan struct{})
			go a.watchUsers(a.watchStop)
		}
		a.smu.Unlock()
		return func() {
			a.smu.Lock()
			defer a.smu.Unlock()
			if set := a.sockets[key]; set != nil {
				delete(set, ref)
				if len(set) == 0 {
					delete(a.sockets, key)
				}
			}
			if len(a.sockets) == 0 && a.watchStop != nil {
				close(a.watchStop)
				a.watchStop = nil
			}
		}
	}
}

// usersWatch is how often the users file is looked at while WebSocket
// sessions of users are open.
const usersWatch = time.Second

// watchUsers closes, with 1008, the WebSocket sessions of users whose
// password changed, who were disabled or removed (duplex user add --force,
// an edit of the file): their cookies no longer name anyone, and their open
// sessions must not go on as them either. It runs until stop is closed.
func (a *Auth) watchUsers(stop chan struct{}) {
	tick := time.NewTicker(usersWatch)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			logins, _ := a.users.takeChanged(now)
			for _, login := range logins {
				n := a.closeSockets(login, 1008, "credentials changed")
				a.log.Info().Str("user", "user:"+IDProvider+":"+login).Int("websockets_closed", n).
					Msg("user's password changed, or user disabled or removed: login sessions ended")
			}
		}
	}
}

// closeSockets closes every open WebSocket session of login and says how
// many there were. The hub closes asynchronously; each session's close
// event untracks it.
func (a *Auth) closeSockets(login string, code int, reason string) int {
	a.smu.Lock()
	refs := make([]*socketRef, 0, len(a.sockets[strings.ToLower(login)]))
	for ref := range a.sockets[strings.ToLower(login)] {
		refs = append(refs, ref)
	}
	a.smu.Unlock()
	for _, ref := range refs {
		ref.close(code, reason)
	}
	return len(refs)
}
