package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dezura/dezura/sip/trunk"
)

// trunkStatus is what /metrics and /readyz read of the trunk
// registration (*trunk.Registrar).
type trunkStatus interface{ Stats() trunk.Stats }

// errTrunkNotRegistered is /readyz's reason with --ready-needs-trunk.
var errTrunkNotRegistered = errors.New("trunk not registered")

// trunkReady is nil while the trunk holds our registration.
func trunkReady(t trunkStatus) error {
	st := t.Stats()
	if st.State == trunk.StateRegistered {
		return nil
	}
	return fmt.Errorf("%w: %s since %s", errTrunkNotRegistered, st.State, st.Since.Format(time.RFC3339))
}

// watchTrunk exports the trunk registration's state and counters.
func (m *serviceMetrics) watchTrunk(stats func() trunk.Stats) {
	m.reg.MustRegister(trunkCollector{stats})
}

var (
	descTrunkRegistered = prometheus.NewDesc("dezura_trunk_registered",
		"1 while the SIP trunk holds our registration (calls for the number reach this node), else 0.", nil, nil)
	descTrunkState = prometheus.NewDesc("dezura_trunk_state",
		"1 for the trunk registration's current state (unknown, registering, registered, failed).", []string{"state"}, nil)
	descTrunkLast = prometheus.NewDesc("dezura_trunk_last_registration_timestamp_seconds",
		"When the trunk last accepted a REGISTER (0: never).", nil, nil)
	descTrunkGranted = prometheus.NewDesc("dezura_trunk_granted_expires_seconds",
		"The registration lifetime the trunk granted last.", nil, nil)
	descTrunkRegs = prometheus.NewDesc("dezura_trunk_registrations_total",
		"REGISTERs the trunk accepted, refreshes included.", nil, nil)
	descTrunkRefreshes = prometheus.NewDesc("dezura_trunk_refreshes_total",
		"Accepted REGISTERs that renewed a live registration when due.", nil, nil)
	descTrunkFailures = prometheus.NewDesc("dezura_trunk_registration_failures_total",
		"Failed REGISTERs, by reason (no_answer, rejected, auth).", []string{"reason"}, nil)
	descTrunkLost = prometheus.NewDesc("dezura_trunk_registrations_lost_total",
		"Registrations found lost, each healed by a REGISTER at once, by how: not_found (a keep-alive answered 404-like), "+
			"reachable_again (the first answer after a missed keep-alive), keepalive_missed (three in a row), "+
			"not_listed (a 200 without our binding).", []string{"cause"}, nil)
	descTrunkKeepAlives = prometheus.NewDesc("dezura_trunk_keepalives_total",
		"Keep-alive OPTIONS sent to our own number through the trunk.", nil, nil)
	descTrunkKAMisses = prometheus.NewDesc("dezura_trunk_keepalive_misses_total",
		"Keep-alive OPTIONS that got no answer at all.", nil, nil)
)

// trunkCollector reads the registrar's stats once per scrape.
type trunkCollector struct{ stats func() trunk.Stats }

func (c trunkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTrunkRegistered, descTrunkState, descTrunkLast, descTrunkGranted, descTrunkRegs,
		descTrunkRefreshes, descTrunkFailures, descTrunkLost, descTrunkKeepAlives, descTrunkKAMisses} {
		ch <- d
	}
}

func (c trunkCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descTrunkRegistered, oneIf(st.State == trunk.StateRegistered))
	for _, s := range trunk.States() {
		gauge(descTrunkState, oneIf(st.State == s), s.String())
	}
	last := 0.0
	if !st.LastSuccess.IsZero() {
		last = float64(st.LastSuccess.UnixNano()) / 1e9
	}
	gauge(descTrunkLast, last)
	gauge(descTrunkGranted, st.Expires.Seconds())
	counter(descTrunkRegs, st.Registrations)
	counter(descTrunkRefreshes, st.Refreshes)
	for _, r := range trunk.FailureReasons()[1:] { // [0] is unknown, never counted
		counter(descTrunkFailures, st.Failures[r], r.String())
	}
	for _, l := range trunk.LossCauses()[1:] {
		counter(descTrunkLost, st.Losses[l], l.String())
	}
	counter(descTrunkKeepAlives, st.KeepAlives)
	counter(descTrunkKAMisses, st.KeepAliveMisses)
}

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
