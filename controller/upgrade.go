package controller

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// isUpgradeRequest is Jetty's isUpgradeRequest plus a valid key: what makes
// req.webSocket true.
func isUpgradeRequest(r *http.Request) bool {
	if r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ProtoMinor != 1 {
		return false
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return false
	}
	hasUpgrade := false
	for _, v := range r.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				hasUpgrade = true
			}
		}
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	return hasUpgrade && err == nil && len(key) == 16
}
