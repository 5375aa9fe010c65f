package simulator_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dezura/dezura/simulator"
)

// A registered caller checks in at site 1234: the site code is keyed after
// the first prompt ends, 1 after the next, and the service hangs up.
func ExampleCall() {
	res, err := simulator.Call(context.Background(), simulator.Options{
		To:     "sip:ivr@127.0.0.1:5060",
		From:   "09012345678",
		Keys:   []string{"1234#", "1"},
		Record: "heard.wav",
	})
	if err != nil {
		fmt.Println("call failed:", err)
		return
	}
	fmt.Println(res.Status, res.EndedBy, res.KeysSent)
}

// One hundred check-in calls at once, ten new calls a second for a minute.
func ExampleLoad() {
	rep, err := simulator.Load(context.Background(), simulator.LoadOptions{
		Call:        simulator.Options{To: "sip:ivr@127.0.0.1:5060", From: "09012345678", Keys: []string{"1234#", "1"}},
		Concurrency: 100,
		CPS:         10,
		Duration:    time.Minute,
	})
	if err != nil {
		fmt.Println("load run failed:", err)
		return
	}
	fmt.Printf("%d of %d completed, setup p99 %.1f ms, jitter p99 %.1f ms\n",
		rep.Completed, rep.Attempted, rep.SetupMS.P99, rep.JitterMS.P99)
}
