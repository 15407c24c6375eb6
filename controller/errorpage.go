package controller

import (
	"encoding/json"
	"html"
	"net/http"
	"strconv"
	"strings"
)

// writeErrorPage renders XP's default error page: HTML for browsers, JSON
// for everyone else. The stack, when given, is shown only in dev mode by the
// caller's choice.
func writeErrorPage(w http.ResponseWriter, r *http.Request, status int, message, stack string) {
	if message == "" {
		message = http.StatusText(status)
	}
	var body []byte
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", contentTypeHTML)
		var b strings.Builder
		title := strconv.Itoa(status) + " " + html.EscapeString(http.StatusText(status))
		b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
		b.WriteString(title)
		b.WriteString("</title></head><body><h1>")
		b.WriteString(title)
		b.WriteString("</h1><p>")
		b.WriteString(html.EscapeString(message))
		b.WriteString("</p>")
		if stack != "" {
			b.WriteString("<pre>")
			b.WriteString(html.EscapeString(stack))
			b.WriteString("</pre>")
		}
		b.WriteString("</body></html>\n")
		body = []byte(b.String())
	} else {
		w.Header().Set("Content-Type", contentTypeJSON)
		page := struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
			Stack   string `json:"stack,omitempty"`
		}{status, message, stack}
		body, _ = json.Marshal(page)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// WriteError lets the routing layer answer with the same page, for the
// errors it finds before any controller runs (unknown app, 404).
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	writeErrorPage(w, r, status, message, "")
}
