package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
)

// The system id provider's login page: one form, posted back to the URL
// it came from. It loads nothing and runs no script; its one style sheet
// is inline and allowed by its hash, so the page keeps a strict
// Content-Security-Policy; html/template escapes what it shows.

// loginStyle is the page's style sheet, exactly as the CSP hashes it.
const loginStyle = `body{font-family:system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;background:#f4f4f5}` +
	`main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0003;width:18rem}` +
	`h1{margin:0 0 1rem;font-size:1.4rem}label{display:block;margin:.8rem 0}input{display:block;width:100%;box-sizing:border-box;margin-top:.3rem;padding:.5rem;font:inherit}` +
	`button{margin-top:1rem;padding:.5rem 1rem;font:inherit}p{color:#b91c1c}`

// loginPage renders the page; .Action is the form's target, .Message
// what went wrong ("" for none).
var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
<style>` + loginStyle + `</style>
</head>
<body>
<main>
<h1>Sign in</h1>
{{if .Message}}<p role="alert">{{.Message}}</p>
{{end}}<form method="post" action="{{.Action}}">
<label>User name or e-mail<input name="user" autocomplete="username" required autofocus></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`))

// loginCSP lets the page use its own style sheet and nothing else, and no
// one frame it (a framed login form is a clickjacking target).
var loginCSP = "default-src 'none'; style-src 'sha256-" + hashStyle() + "'; base-uri 'none'; frame-ancestors 'none'"

func hashStyle() string {
	sum := sha256.Sum256([]byte(loginStyle))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// writeLoginPage answers with the login page: its form posts to action
// (a server-relative URL), and message says what went wrong.
func writeLoginPage(w http.ResponseWriter, r *http.Request, status int, action, message string) {
	var body bytes.Buffer
	_ = loginPage.Execute(&body, struct{ Action, Message string }{action, message})
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	h.Set("Content-Security-Policy", loginCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body.Bytes())
	}
}
