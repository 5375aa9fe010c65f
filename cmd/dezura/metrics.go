package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dezura/dezura/ivr"
	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/ledger/spool"
	"github.com/dezura/dezura/sip"
)

// serviceMetrics is the service's Prometheus registry. The SIP server and
// the billing scheduler keep plain counters; collectors here turn them
// into metrics at scrape time. Ledger write latency is measured by the
// timedStore decorator.
type serviceMetrics struct {
	reg         *prometheus.Registry
	ledgerWrite *prometheus.HistogramVec
}

// newServiceMetrics makes a registry with the Go runtime and process
// collectors (process_cpu_seconds_total is what the CPU-per-call-minute
// figure is read from) and the ledger write histogram.
func newServiceMetrics() *serviceMetrics {
	m := &serviceMetrics{
		reg: prometheus.NewRegistry(),
		ledgerWrite: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dezura_ledger_write_seconds",
			Help:    "Time to record an attendance or a call record in the ledger, by operation and result.",
			Buckets: []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5},
		}, []string{"op", "result"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.ledgerWrite,
		buildInfoGauge(),
	)
	return m
}

// watchSIP exports srv's counters.
func (m *serviceMetrics) watchSIP(srv *sip.Server) {
	m.reg.MustRegister(sipCollector{srv})
}

// watchSpool exports the depth of the spool (nil: the service runs
// without one, as tests may).
func (m *serviceMetrics) watchSpool(s *spool.Spool) {
	if s == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dezura_spool_depth",
		Help: "Attendance requests in the local spool waiting for the database.",
	}, func() float64 { return float64(s.Len()) }))
}

// watchReady exports dezura_ready: what /readyz would answer at scrape
// time, so that an alert needs no separate probe of /readyz.
func (m *serviceMetrics) watchReady(check func(context.Context) error) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dezura_ready",
		Help: "1 while /readyz answers 200 (SIP listens, not draining, the store answers), else 0.",
	}, func() float64 {
		if check(context.Background()) != nil {
			return 0
		}
		return 1
	}))
}

// watchBilling exports the billing scheduler's run results (summed over
// the times this node led) and whether this node leads billing.
func (m *serviceMetrics) watchBilling(stats func() billing.SchedulerStats, leader func() bool) {
	m.reg.MustRegister(billingCollector{stats}, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dezura_billing_leader",
		Help: "1 while this node leads billing and runs the scheduler (one node among those on one database), else 0.",
	}, func() float64 {
		if leader() {
			return 1
		}
		return 0
	}))
}

// Metric descriptions of the SIP collector.
var (
	descActive      = prometheus.NewDesc("dezura_sip_active_calls", "Calls being answered or up.", nil, nil)
	descDraining    = prometheus.NewDesc("dezura_sip_draining", "1 while the server drains calls and refuses new ones.", nil, nil)
	descAnswered    = prometheus.NewDesc("dezura_sip_calls_answered_total", "Calls answered (200 OK sent).", nil, nil)
	descRejected    = prometheus.NewDesc("dezura_sip_calls_rejected_total", "INVITEs refused with 503, by reason (overload: --max-calls reached; draining).", []string{"reason"}, nil)
	descEnded       = prometheus.NewDesc("dezura_sip_calls_ended_total", "Calls ended, by how they ended.", []string{"reason"}, nil)
	descSetup       = prometheus.NewDesc("dezura_sip_call_setup_seconds", "INVITE arrival to 200 OK.", nil, nil)
	descDigits      = prometheus.NewDesc("dezura_dtmf_digits_total", "Key presses received, by transport.", []string{"transport"}, nil)
	descKeysDropped = prometheus.NewDesc("dezura_dtmf_keys_dropped_total", "Key presses dropped because the call flow did not read them.", nil, nil)
	descRTPSent     = prometheus.NewDesc("dezura_rtp_packets_sent_total", "RTP packets sent (ended calls).", nil, nil)
	descRTPSendErr  = prometheus.NewDesc("dezura_rtp_send_errors_total", "RTP sends that failed (ended calls).", nil, nil)
	descRTPRecv     = prometheus.NewDesc("dezura_rtp_packets_received_total", "Caller RTP packets accepted (ended calls).", nil, nil)
	descRTPDropped  = prometheus.NewDesc("dezura_rtp_packets_dropped_total", "Caller RTP packets dropped: wrong type, source or size (ended calls).", nil, nil)
	descRTPExpected = prometheus.NewDesc("dezura_rtp_packets_expected_total", "Caller RTP packets expected from sequence numbers (ended calls).", nil, nil)
	descRTPLost     = prometheus.NewDesc("dezura_rtp_packets_lost_total", "Caller RTP packets lost, from sequence numbers (ended calls).", nil, nil)
	descJitter      = prometheus.NewDesc("dezura_rtp_jitter_seconds", "Interarrival jitter of the caller's audio at the end of each call (RFC 3550).", nil, nil)
	descTicks       = prometheus.NewDesc("dezura_media_ticks_total", "20 ms media ticks run, summed over scheduler shards.", nil, nil)
	descSkipped     = prometheus.NewDesc("dezura_media_frames_skipped_total", "Media ticks skipped after a stall (each call's frame of that tick is not sent; receivers see a timestamp jump).", nil, nil)
	descLate        = prometheus.NewDesc("dezura_media_ticks_late_total", "Media ticks sent more than 5 ms after their deadline.", nil, nil)
	descCallSkipped = prometheus.NewDesc("dezura_rtp_frames_skipped_total", "Frames not sent after a stall, summed over ended calls.", nil, nil)
	descShards      = prometheus.NewDesc("dezura_media_shards", "Media scheduler shards (goroutines).", nil, nil)
	descRingShards  = prometheus.NewDesc("dezura_media_ring_shards", "Media shards sending through an io_uring send ring (the others send with sendto).", nil, nil)
	descRingErrors  = prometheus.NewDesc("dezura_media_ring_errors_total", "io_uring send ring failures (that shard went back to sendto).", nil, nil)
)

// sipCollector reads sip.Server.Stats once per scrape.
type sipCollector struct{ srv *sip.Server }

func (c sipCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descActive, descDraining, descAnswered, descRejected, descEnded, descSetup,
		descDigits, descKeysDropped, descRTPSent, descRTPSendErr, descRTPRecv, descRTPDropped, descRTPExpected,
		descRTPLost, descJitter, descTicks, descSkipped, descLate, descCallSkipped, descShards, descRingShards, descRingErrors} {
		ch <- d
	}
}

func (c sipCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descActive, float64(st.Active))
	draining := 0.0
	if c.srv.Draining() {
		draining = 1
	}
	gauge(descDraining, draining)
	counter(descAnswered, st.Answered)
	counter(descRejected, st.RejectedFull, "overload")
	counter(descRejected, st.RejectedDraining, "draining")
	for r, n := range st.Ended {
		counter(descEnded, n, r.String())
	}
	for t, n := range st.Digits {
		counter(descDigits, n, t.String())
	}
	counter(descKeysDropped, st.KeysDropped)
	counter(descRTPSent, st.RTP.Sent)
	counter(descRTPSendErr, st.RTP.SendErrors)
	counter(descRTPRecv, st.RTP.Received)
	counter(descRTPDropped, st.RTP.Dropped)
	counter(descRTPExpected, st.RTP.Expected)
	counter(descRTPLost, st.RTP.Lost)
	counter(descCallSkipped, st.RTP.Skipped)
	ch <- prometheus.MustNewConstHistogram(descSetup, st.Setup.Count, st.Setup.Sum, st.Setup.Cumulative())
	ch <- prometheus.MustNewConstHistogram(descJitter, st.Jitter.Count, st.Jitter.Sum, st.Jitter.Cumulative())
	counter(descTicks, st.Media.Ticks)
	counter(descSkipped, st.Media.FramesSkipped)
	counter(descLate, st.Media.FramesLate)
	gauge(descShards, float64(st.Media.Shards))
	gauge(descRingShards, float64(st.Media.RingShards))
	counter(descRingErrors, st.Media.RingErrors)
}

var (
	descBillRuns     = prometheus.NewDesc("dezura_billing_runs_total", "Billing runs, by result (ok, failed, gave_up, skipped).", []string{"result"}, nil)
	descBillInvoices = prometheus.NewDesc("dezura_billing_invoices_total", "Invoices issued by the scheduler.", nil, nil)
	descBillYen      = prometheus.NewDesc("dezura_billing_invoiced_yen_total", "Total of the invoices issued by the scheduler, yen.", nil, nil)
	descBillLast     = prometheus.NewDesc("dezura_billing_last_success_timestamp_seconds", "When the last billing run succeeded (0: never).", nil, nil)
)

// billingCollector reads the billing scheduler's stats once per scrape.
type billingCollector struct{ stats func() billing.SchedulerStats }

func (c billingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBillRuns
	ch <- descBillInvoices
	ch <- descBillYen
	ch <- descBillLast
}

func (c billingCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	// Runs counts every run; Failures those that failed (and were retried
	// or given up on).
	counter(descBillRuns, float64(max(st.Runs-st.Failures, 0)), "ok")
	counter(descBillRuns, float64(st.Failures), "failed")
	counter(descBillRuns, float64(st.GaveUp), "gave_up")
	counter(descBillRuns, float64(st.Skipped), "skipped")
	counter(descBillInvoices, float64(st.Invoices))
	counter(descBillYen, float64(st.Total))
	last := 0.0
	if !st.LastSuccess.IsZero() {
		last = float64(st.LastSuccess.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(descBillLast, prometheus.GaugeValue, last)
}

// timedStore is the call flows' ledger with its writes timed into
// dezura_ledger_write_seconds. Everything else passes straight through.
type timedStore struct {
	ivr.Ledger
	hist *prometheus.HistogramVec
	now  func() time.Time
}

// What serve hands the flows: the compiler checks that the spool and this
// decorator keep every method the flows use.
var (
	_ ivr.Ledger = (*spool.Store)(nil)
	_ ivr.Ledger = (*timedStore)(nil)
)

// timeStore wraps store so that its writes are timed.
func (m *serviceMetrics) timeStore(store ivr.Ledger) *timedStore {
	return &timedStore{Ledger: store, hist: m.ledgerWrite, now: time.Now}
}

func (s *timedStore) observe(op string, start time.Time, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.hist.WithLabelValues(op, result).Observe(s.now().Sub(start).Seconds())
}

// RecordAttendance records and times one check-in or check-out.
func (s *timedStore) RecordAttendance(ctx context.Context, req ledger.AttendanceRequest) (ledger.AttendanceResult, error) {
	start := s.now()
	res, err := s.Ledger.RecordAttendance(ctx, req)
	op := "attendance"
	if res.Spooled {
		op = "attendance_spooled"
	}
	s.observe(op, start, err)
	return res, err
}

// RecordCall records and times one call record.
func (s *timedStore) RecordCall(ctx context.Context, rec ledger.CallRecord) error {
	start := s.now()
	err := s.Ledger.RecordCall(ctx, rec)
	s.observe("call", start, err)
	return err
}
