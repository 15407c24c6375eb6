// Command plainhttp is the HTTP scenarios of cmd/duplex-bench (http and
// http-json) on net/http and encoding/json, without JavaScript: our own
// ceiling, as ../plain is for WebSockets. Its handlers answer what
// ../app/services/hello and ../app/services/echo-json answer:
//
//	GET /hello?name=X  {"message":"Hello X","agent":"<User-Agent>","items":[
//	                    {"id":1,"name":"item 1","price":100,"active":true}, ... id 5]}
//	POST /echo-json    the JSON document of ../order.json with count + 1,
//	                   customer.name in upper case, total (the sum of qty *
//	                   price) and processed: true added
//
// Usage: plainhttp [--addr 127.0.0.1:PORT]  (or $PORT)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

type item struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Price  int    `json:"price"`
	Active bool   `json:"active"`
}

type hello struct {
	Message string `json:"message"`
	Agent   string `json:"agent"`
	Items   []item `json:"items"`
}

func helloHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	items := make([]item, 0, 5)
	for i := 1; i <= 5; i++ {
		items = append(items, item{ID: i, Name: "item " + strconv.Itoa(i), Price: i * 100, Active: i%2 == 1})
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "world"
	}
	writeJSON(w, hello{Message: "Hello " + name, Agent: r.UserAgent(), Items: items})
}

// order is bench/order.json, with the two fields the handler adds.
type order struct {
	ID       string   `json:"id"`
	Count    int      `json:"count"`
	Customer customer `json:"customer"`
	Tags     []string `json:"tags"`
	Note     string   `json:"note"`
	Items    []line   `json:"items"`
	Total    int      `json:"total"`
	Done     bool     `json:"processed"`
}

type customer struct {
	ID      int     `json:"id"`
	Name    string  `json:"name"`
	Email   string  `json:"email"`
	Tier    string  `json:"tier"`
	Address address `json:"address"`
}

type address struct {
	Street   string `json:"street"`
	City     string `json:"city"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
}

type line struct {
	SKU     string  `json:"sku"`
	Name    string  `json:"name"`
	Qty     int     `json:"qty"`
	Price   int     `json:"price"`
	Options options `json:"options"`
}

type options struct {
	Color    string `json:"color"`
	Size     string `json:"size"`
	GiftWrap bool   `json:"giftWrap"`
}

func echoJSONHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var doc order
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&doc); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	doc.Count++
	doc.Customer.Name = strings.ToUpper(doc.Customer.Name)
	doc.Total = 0
	for _, it := range doc.Items {
		doc.Total += it.Qty * it.Price
	}
	doc.Done = true
	writeJSON(w, doc)
}

// writeJSON sends v with its length, as the other servers do (net/http
// would chunk a body past its 2 KiB buffer).
func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT)")
	flag.Parse()
	if *addr == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "8080"
		}
		*addr = "127.0.0.1:" + port
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", helloHandler)
	mux.HandleFunc("/echo-json", echoJSONHandler)
	fmt.Fprintf(os.Stderr, "{\"message\":\"listening\",\"addr\":%q}\n", *addr)
	if err := http.ListenAndServe(*addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
