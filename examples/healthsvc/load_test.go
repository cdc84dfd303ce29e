package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var loadRequests = flag.Int("load.requests", 2560, "requests per load in TestLoad (the figures in RELIABILITY.md use 20000)")

// TestLoad drives the service (real handler, SQLite file in WAL mode) with
// 64 and then 256 concurrent clients, each writing scores for accounts of
// its own and reading them back, and requires every request to succeed. It
// logs the latency percentiles; RELIABILITY.md records them for
// -load.requests=20000. Timing is reported, not asserted: the machines that
// run tests are shared.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	for _, clients := range []int{64, 256} {
		_, ts := newTestServer(t)
		transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
		client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
		perClient := max(*loadRequests/clients, 1)
		latencies := make([][]time.Duration, clients)
		var failures sync.Map
		var wg sync.WaitGroup
		start := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perClient {
					id := fmt.Sprintf("load-%d-%d", c, i%5)
					var req *http.Request
					if i%4 == 3 { // one read in four, of the account written just before
						req, _ = http.NewRequest("GET", ts.URL+fmt.Sprintf("/v1/accounts/load-%d-%d", c, (i-1)%5), nil)
					} else {
						body := fmt.Sprintf(`{"account": {"id": %q, "contacts": [{"id": "u", "persona": "end-user"}, {"id": "f", "persona": "finance-exec"}]},
							"signals": [{"contact": "u", "metric": "nps", "value": %d, "at": "2026-05-01T00:00:00Z"},
							{"contact": "f", "metric": "csat", "value": %d, "at": "2026-05-02T00:00:00Z"}]}`, id, i%11, 1+i%5)
						req, _ = http.NewRequest("POST", ts.URL+"/v1/accounts/"+id+"/score", strings.NewReader(body))
					}
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						failures.Store(fmt.Sprintf("%d-%d", c, i), err.Error())
						continue
					}
					data, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					latencies[c] = append(latencies[c], time.Since(t0))
					if resp.StatusCode != http.StatusOK {
						failures.Store(fmt.Sprintf("%d-%d", c, i), fmt.Sprintf("%d %s", resp.StatusCode, data))
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		transport.CloseIdleConnections()
		all := slices.Concat(latencies...)
		slices.Sort(all)
		n := 0
		failures.Range(func(k, v any) bool {
			if n < 5 {
				t.Errorf("%d clients: request %v failed: %v", clients, k, v)
			}
			n++
			return true
		})
		if n > 0 {
			t.Errorf("%d clients: %d of %d requests failed", clients, n, clients*perClient)
		}
		if len(all) == 0 {
			continue
		}
		q := func(p float64) time.Duration { return all[min(int(p*float64(len(all))), len(all)-1)] }
		t.Logf("%d clients, %d requests in %v (%.0f/s): p50 %v, p99 %v, max %v, errors %d",
			clients, len(all), elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(),
			q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), all[len(all)-1].Round(10*time.Microsecond), n)
	}
}
