package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/httpapi"
)

// Serve an app's endpoints, submit a run and poll it to its end.
func Example() {
	app := fluxly.New(fluxly.Name("demo"))
	examples.Register(app)
	srv, err := httpapi.New(appOf(app), httpapi.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client := ts.Client()

	resp, err := client.Post(ts.URL+"/echo-msg/run", "application/json", strings.NewReader(`{"message":"hi","count":2,"token":"s3cret"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec httpapi.Record
	_ = json.NewDecoder(resp.Body).Decode(&rec)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, rec.Status, resp.Header.Get("Location") == "/runs/"+rec.RunID, string(rec.Input["token"]))

	for !rec.Terminal() {
		time.Sleep(10 * time.Millisecond)
		resp, err := client.Get(ts.URL + "/runs/" + rec.RunID)
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
	}
	fmt.Printf("%s %d %s\n", rec.Status, rec.StatusCode, rec.Executions[0].Nodes["echo"][0].Output)

	// Drain: stop taking runs and wait for the rest (none here).
	if err := srv.Shutdown(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 202 WAITING true "***"
	// COMPLETED 0 {"lines":2}
}
