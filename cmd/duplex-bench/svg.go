// The run as an SVG chart: one panel per row of the report's table, a bar
// per server (duplex in colour, its peers in grey), and duplex's ratio to
// Bun and to Node.js, green where duplex does better, red where worse.
// Hand-written SVG 1.1 with no script, styles or external references, so
// that GitHub shows it inside markdown (as an <img>).

package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Layout, in pixels.
const (
	svgWidth     = 960
	svgMargin    = 10
	svgGap       = 20
	svgPanel     = (svgWidth - 2*svgMargin - svgGap) / 2 // panel width
	svgLabelW    = 112                                   // server names, right-aligned
	svgBarMax    = 250                                   // the longest bar
	svgRow       = 20                                    // one server's row
	svgTitleLine = 16
	svgTitleMax  = 64 // characters on one title line
)

const (
	colourDuplex = "#d9480f"
	colourPeer   = "#8c9bab"
	colourBetter = "#2b8a3e"
	colourWorse  = "#c92a2a"
	colourText   = "#212529"
	colourMuted  = "#6c757d"
)

// svg draws the report as a chart.
func (rep *report) svg() []byte {
	var body bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&body, format, args...) }
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	duplex, bun, node := rep.peers()

	y := svgMargin
	w(`<text x="%d" y="%d" font-size="16" font-weight="bold" fill="%s">%s</text>`+"\n",
		svgMargin, y+16, colourText, esc("duplex against Bun, Node.js and plain Go: the run of "+rep.started.UTC().Format("2006-01-02 15:04 MST")))
	y += 22
	legend := "One panel per measure, a bar per server (duplex in orange). Ratios are duplex's figure divided by the peer's: green where duplex does better, red where worse."
	w(`<text x="%d" y="%d" font-size="12" fill="%s">%s</text>`+"\n", svgMargin, y+12, colourMuted, esc(legend))
	y += 18
	for _, r := range rep.results {
		if len(r.disturbed) > 0 {
			w(`<text x="%d" y="%d" font-size="12" fill="%s">%s</text>`+"\n", svgMargin, y+12, colourWorse,
				esc("Pale bars marked "+mark+": the machine was busy with other work before or during that figure's window."))
			y += 18
			break
		}
	}
	if len(rep.machine) > 0 {
		w(`<text x="%d" y="%d" font-size="11" fill="%s">%s</text>`+"\n", svgMargin, y+12, colourMuted, esc(oneLine(rep.machine[0], 150)))
		y += 18
	}
	y += 8

	ms := rep.metrics()
	for i := 0; i < len(ms); i += 2 {
		row := ms[i:min(i+2, len(ms))]
		lines := 0 // the row's panels are as high as its longest title needs
		for _, m := range row {
			lines = max(lines, len(wrap(m.name, svgTitleMax)))
		}
		h := lines*svgTitleLine + 6 + len(rep.results)*svgRow + 22
		for j, m := range row {
			rep.svgPanel(&body, esc, m, svgMargin+j*(svgPanel+svgGap), y, h, duplex, bun, node)
		}
		y += h + 14
	}

	var out bytes.Buffer
	fmt.Fprintf(&out, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`+"\n",
		svgWidth, y, svgWidth, y)
	fmt.Fprintf(&out, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", svgWidth, y)
	out.Write(body.Bytes())
	out.WriteString("</svg>\n")
	return out.Bytes()
}

// svgPanel draws metric m's panel at (x, y), height high.
func (rep *report) svgPanel(b *bytes.Buffer, esc func(string) string, m metric, x, y, height int, duplex, bun, node *result) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	lines := wrap(m.name, svgTitleMax)
	w(`<g>`+"\n"+`<title>%s</title>`+"\n", esc(m.name))
	w(`<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="#f8f9fa" stroke="#dee2e6"/>`+"\n", x, y, svgPanel, height)
	ty := y
	for _, l := range lines {
		ty += svgTitleLine
		w(`<text x="%d" y="%d" font-size="12" font-weight="bold" fill="%s">%s</text>`+"\n", x+8, ty, colourText, esc(l))
	}
	ty = y + height - 22 - len(rep.results)*svgRow // the bars at the foot
	top := 0.0
	for _, r := range rep.results {
		top = max(top, m.value(r))
	}
	for _, r := range rep.results {
		v := m.value(r)
		colour, weight := colourPeer, "normal"
		if r == duplex {
			colour, weight = colourDuplex, "bold"
		}
		w(`<text x="%d" y="%d" font-size="11" text-anchor="end" font-weight="%s" fill="%s">%s</text>`+"\n",
			x+svgLabelW, ty+13, weight, colourText, esc(r.srv.label))
		bx := x + svgLabelW + 6
		if v <= 0 || top <= 0 {
			w(`<text x="%d" y="%d" font-size="11" fill="%s">no figure</text>`+"\n", bx, ty+13, colourMuted)
		} else {
			bw := max(int(v/top*svgBarMax+0.5), 1)
			opacity := "1"
			if r.disturbed[m.scen] {
				opacity = "0.4"
			}
			w(`<rect x="%d" y="%d" width="%d" height="14" fill="%s" fill-opacity="%s"/>`+"\n", bx, ty+3, bw, colour, opacity)
			w(`<text x="%d" y="%d" font-size="11" font-weight="%s" fill="%s">%s</text>`+"\n",
				bx+bw+5, ty+14, weight, colourText, esc(m.formatted(r)))
		}
		ty += svgRow
	}
	// The ratios, and which way is better.
	ty += 15
	better := "lower is better"
	if m.higher {
		better = "higher is better"
	}
	w(`<text x="%d" y="%d" font-size="11" fill="%s">%s`, x+8, ty, colourMuted, better)
	for _, peer := range []*result{bun, node} {
		if duplex == nil || peer == nil {
			continue
		}
		dv, pv := m.value(duplex), m.value(peer)
		short, _, _ := strings.Cut(peer.srv.label, " ")
		text, colour := "—", colourMuted
		if dv > 0 && pv > 0 {
			q := dv / pv
			text = fmt.Sprintf("%.2f×", q)
			if duplex.disturbed[m.scen] || peer.disturbed[m.scen] {
				text += mark
			}
			switch {
			case strings.HasPrefix(text, "1.00×"): // a tie, as far as two decimals tell
			case (q > 1) == m.higher:
				colour = colourBetter
			default:
				colour = colourWorse
			}
		}
		w(`   ·   duplex ÷ %s <tspan font-weight="bold" fill="%s">%s</tspan>`, esc(strings.TrimSuffix(short, ".js")), colour, text)
	}
	w("</text>\n</g>\n")
}

// wrap breaks s at spaces into lines of at most n characters (a longer
// word gets a line of its own).
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= n:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}
