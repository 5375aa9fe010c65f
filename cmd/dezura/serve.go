package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/dezura/dezura/ivr"
	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/ledger/spool"
	"github.com/dezura/dezura/prompts"
	"github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/guard"
	"github.com/dezura/dezura/sip/trunk"
)

// serveConfig is everything `dezura serve` is told on its command line
// (--db is the root's, see dezuraCLI).
type serveConfig struct {
	DB                string `kong:"-"`
	Demo              bool   `name:"demo" help:"add the demo contractor, site 1234, technician 12345678901234 (phone 090-1234-5678), foreman phone 090-1234-0000 and a crew of three"`
	SIP               string `name:"sip" default:"127.0.0.1:5060" help:"UDP address for SIP"`
	HTTP              string `name:"http" placeholder:"ADDR" help:"TCP address for /metrics, /healthz and /readyz, e.g. 127.0.0.1:9090 (empty: off)"`
	RTPPorts          string `name:"rtp-ports" default:"10000-20000" help:"UDP port range for RTP, MIN-MAX"`
	rtpMin, rtpMax    int
	ExternalIP        string        `name:"external-ip" placeholder:"IP" help:"address announced in SDP and Contact (default: the SIP address)"`
	PromptsDir        string        `name:"prompts" placeholder:"DIR" help:"directory of WAV files (LANG/NAME.wav) overriding built-in prompts"`
	DTMF              string        `name:"dtmf" default:"auto" help:"digit transport: auto, rfc4733, inband or info"`
	FirstDigitTimeout time.Duration `name:"first-digit-timeout" default:"10s" help:"wait for the first key after a prompt"`
	InterDigitTimeout time.Duration `name:"inter-digit-timeout" default:"5s" help:"wait between keys"`
	MaxTries          int           `name:"max-tries" default:"3" help:"tries per step before the service apologises and hangs up"`
	RTPTimeout        time.Duration `name:"rtp-timeout" default:"30s" help:"end a call after this long without RTP from the caller"`
	MaxCalls          int           `name:"max-calls" default:"0" help:"most calls at once; past it new calls get 503 (0: no limit)"`
	DrainTimeout      time.Duration `name:"drain-timeout" default:"30s" help:"on SIGTERM, how long calls in progress may take to finish"`
	AnswerDelay       time.Duration `name:"answer-delay" default:"0s" help:"ring this long before answering (0: answer at once)"`
	LogLevel          string        `name:"log-level" default:"info" help:"debug, info, warn or error"`
	LogFormat         string        `name:"log-format" default:"text" help:"text or json"`
	LogFullNumbers    bool          `name:"log-full-numbers" help:"log caller numbers whole (default: only their last 4 digits)"`
	Spool             string        `name:"spool" placeholder:"FILE" help:"file where confirmed entries wait while the database is unreachable (default: beside the SQLite file, or dezura.spool)"`
	TrunkRegister     string        `name:"trunk-register" placeholder:"URI" help:"register with a SIP trunk, sip:USER@HOST[:PORT] (add the trunk's addresses to --trust)"`
	TrunkUser         string        `name:"trunk-user" placeholder:"NAME" help:"digest user name for the trunk (default: USER of --trunk-register)"`
	TrunkPasswordFile string        `name:"trunk-password-file" placeholder:"FILE" help:"file (mode 0600) holding the trunk password; or set DEZURA_TRUNK_PASSWORD"`
	TrunkExpires      time.Duration `name:"trunk-expires" default:"${trunk_expires}" help:"registration lifetime asked of the trunk (refreshed at 80 % of what it grants)"`
	TrunkKeepAlive    time.Duration `name:"trunk-keepalive" default:"${trunk_keepalive}" help:"interval of the OPTIONS to our own number through the trunk: they hold the NAT binding and find a lost registration (0: off)"`
	ReadyNeedsTrunk   bool          `name:"ready-needs-trunk" help:"/readyz answers 503 while the trunk registration is not in place"`
	SessionExpires    time.Duration `name:"session-expires" default:"30m" help:"RFC 4028 session interval asked for and accepted (at least 90s)"`
	RTPSendto         bool          `name:"rtp-sendto" help:"send each RTP packet with its own sendto(2) instead of one io_uring submission per 20 ms for all calls (io_uring is used only where the kernel allows it)"`
	Procs             int           `name:"procs" default:"0" help:"Go processors (GOMAXPROCS); 0: twice the CPUs Go sees, unless the GOMAXPROCS variable is set, so an idle processor is ready to run the 20 ms media clock on time under load"`
	Trust             string        `name:"trust" default:"127.0.0.0/8,::1" help:"addresses whose INVITEs are taken without a challenge (the trunk's), CIDR,..."`
	PeerSecrets       string        `name:"peer-secrets" placeholder:"FILE" help:"file of user:secret lines (mode 0600) for peers that authenticate by digest"`
	UntrustedOptions  string        `name:"untrusted-options" default:"answer" help:"OPTIONS from untrusted sources: answer (bare 200) or ignore"`
	trust             []netip.Prefix
	BillingAt         string `name:"billing-at" default:"0 3 * * *" help:"when the billing run starts each day, cron syntax in Asia/Tokyo (\"off\": no scheduler)"`
	// BillingLeaderInterval: how often a node tries to lead billing and
	// the leader checks its hold (0: billing.DefaultLeaderInterval).
	BillingLeaderInterval time.Duration `name:"billing-leader-interval" default:"${billing_leader_interval}" help:"with several nodes on one PostgreSQL only the leader runs billing: how often a node tries to become it, and the leader checks it still is"`
	IssuerName            string        `name:"issuer-name" placeholder:"NAME" help:"invoice issuer name; normally left out: the settings stored with 'dezura billing issuer set' issue the invoices, and the scheduler runs once they are"`
	IssuerReg             string        `name:"issuer-registration" placeholder:"T0000000000000" help:"invoice issuer registration number, T and 13 digits; must be the stored issuer's"`
	SMTP                  string        `name:"smtp" env:"DEZURA_SMTP_URL" placeholder:"URL" help:"mail server (smtp://[user:password@]host[:port][?tls=starttls|none]): the billing leader mails each new invoice as a PDF to the contractor's billing address, retrying failures"`
	InvoiceFont           string        `name:"invoice-font" env:"DEZURA_INVOICE_FONT" placeholder:"PATH" help:"TrueType font of invoice PDFs (default: IPAexGothic of Debian's fonts-ipaexfont)"`
	consoleFlags          `embed:""`
}

// serveCmd is `dezura serve`: serveConfig from the command line, checked
// while it is parsed (a bad flag is a usage error before anything starts).
type serveCmd struct {
	serveConfig `embed:""`
}

// Validate takes --db from the root and checks the configuration.
func (c *serveCmd) Validate(kctx *kong.Context) error {
	for _, f := range kctx.Flags() {
		if f.Name == "db" {
			c.DB = fmt.Sprint(kctx.FlagValue(f))
		}
	}
	c.webDefault(kctx)
	return c.serveConfig.Validate()
}

// Validate checks the configuration and says what to change.
func (c *serveConfig) Validate() error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("--db is empty; give sqlite:PATH or postgres://USER@HOST/DB"))
	}
	if _, _, err := net.SplitHostPort(c.SIP); err != nil {
		errs = append(errs, fmt.Errorf("--sip %q is not HOST:PORT (e.g. 127.0.0.1:5060)", c.SIP))
	}
	if c.HTTP != "" {
		if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
			errs = append(errs, fmt.Errorf("--http %q is not HOST:PORT (e.g. 127.0.0.1:9090)", c.HTTP))
		}
	}
	lo, hi, err := parsePortRange(c.RTPPorts)
	if err != nil {
		errs = append(errs, fmt.Errorf("--rtp-ports: %w", err))
	}
	c.rtpMin, c.rtpMax = lo, hi
	if c.ExternalIP != "" && net.ParseIP(c.ExternalIP) == nil {
		errs = append(errs, fmt.Errorf("--external-ip %q is not an IP address", c.ExternalIP))
	}
	switch c.DTMF {
	case "auto", "rfc4733", "inband", "info":
	default:
		errs = append(errs, fmt.Errorf("--dtmf %q: use auto, rfc4733, inband or info", c.DTMF))
	}
	if c.FirstDigitTimeout <= 0 || c.InterDigitTimeout <= 0 || c.RTPTimeout <= 0 || c.DrainTimeout < 0 {
		errs = append(errs, errors.New("timeouts must be positive durations such as 10s"))
	}
	if c.MaxTries < 1 {
		errs = append(errs, errors.New("--max-tries must be at least 1"))
	}
	if c.MaxCalls < 0 {
		errs = append(errs, errors.New("--max-calls must be 0 (no limit) or more"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: use text or json", c.LogFormat))
	}
	if tr, err := guard.ParseTrust(c.Trust); err != nil {
		errs = append(errs, fmt.Errorf("--trust: %w", err))
	} else {
		c.trust = tr
	}
	if _, err := guard.ParseOptionsPolicy(c.UntrustedOptions); err != nil {
		errs = append(errs, fmt.Errorf("--untrusted-options %q: use answer or ignore", c.UntrustedOptions))
	}
	if c.Procs < 0 || c.Procs > 1024 {
		errs = append(errs, fmt.Errorf("--procs %d: give 1 to 1024, or 0 for twice the CPUs", c.Procs))
	}
	if c.SessionExpires < 90*time.Second {
		errs = append(errs, fmt.Errorf("--session-expires %v: at least 90s (RFC 4028 Min-SE)", c.SessionExpires))
	}
	errs = append(errs, c.validateTrunk()...)
	errs = append(errs, c.validateWeb()...)
	errs = append(errs, c.validateBilling()...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

// validateBilling checks the billing flags.
func (c *serveConfig) validateBilling() []error {
	var errs []error
	if c.BillingAt == "" {
		errs = append(errs, errors.New(`--billing-at is empty: give a cron spec such as "0 3 * * *", or "off"`))
	}
	// 0 is the default (a config built without flags); below 10ms the
	// checks would only load the database.
	if c.BillingLeaderInterval < 0 || (c.BillingLeaderInterval > 0 && c.BillingLeaderInterval < 10*time.Millisecond) || c.BillingLeaderInterval > time.Hour {
		errs = append(errs, fmt.Errorf("--billing-leader-interval %v: give a duration from 10ms to 1h, such as 5s", c.BillingLeaderInterval))
	}
	if (c.IssuerName == "") != (c.IssuerReg == "") {
		errs = append(errs, errors.New("give both --issuer-name and --issuer-registration, or neither"))
	}
	if c.IssuerReg != "" {
		if err := billing.ValidateRegistration(c.IssuerReg); err != nil {
			errs = append(errs, fmt.Errorf("--issuer-registration: %w", err))
		}
	}
	if c.SMTP != "" {
		if _, err := billing.ParseSMTPURL(c.SMTP); err != nil {
			errs = append(errs, fmt.Errorf("--smtp: %w", err))
		}
	}
	return errs
}

// parsePortRange parses "MIN-MAX"; "0-0" means any free port.
func parsePortRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || lo < 0 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("%q is not a port range MIN-MAX such as 10000-20000", s)
	}
	if lo != 0 && hi-lo < 1 {
		return 0, 0, fmt.Errorf("%q has room for no RTP port pair; widen it", s)
	}
	return lo, hi, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// Run runs the service until ctx ends.
func (c *serveCmd) Run(ctx context.Context, o *output) error {
	cfg := c.serveConfig
	level, _ := parseLevel(cfg.LogLevel)
	logger := newLogger(o.Stderr, level, cfg.LogFormat)
	routeLibraryLogs(logger)
	logBuild(logger)
	setProcs(cfg.Procs, logger)

	svc, err := startService(ctx, cfg, logger)
	if err != nil {
		return err
	}
	sipAddr := svc.sip.Addr().String()
	o.Printf("dezura is listening\n  SIP  udp %s\n  RTP  udp ports %s\n  store %s\n", sipAddr, cfg.RTPPorts, redactURL(cfg.DB))
	if svc.http != nil {
		o.Printf("  HTTP tcp %s (/metrics, /healthz, /readyz)\n", svc.http.Addr())
	}
	svc.console.print(o)
	if cfg.Demo {
		o.Printf("demo data: site 1234, technician 12345678901234, phone 090-1234-5678; foreman phone 090-1234-0000 with a crew of three\n")
	}
	o.Printf("place a test call:\n  go run ./cmd/dezura-sim call --to sip:ivr@%s --from 09012345678 --keys 1234#,1\n", sipAddr)
	return svc.wait(ctx, cfg.DrainTimeout)
}

// guard builds the request guard from --trust, --peer-secrets and
// --untrusted-options (Validate has checked them).
func (c *serveConfig) guard() (*guard.Guard, error) {
	var secrets guard.Secrets
	if c.PeerSecrets != "" {
		s, err := guard.LoadSecrets(c.PeerSecrets)
		if err != nil {
			return nil, fmt.Errorf("--peer-secrets: %w", err)
		}
		secrets = s
	}
	opts, _ := guard.ParseOptionsPolicy(c.UntrustedOptions)
	g, err := guard.New(guard.Config{Trust: c.trust, Secrets: secrets, UntrustedOptions: opts})
	if err != nil {
		return nil, fmt.Errorf("request guard: %w", err)
	}
	return g, nil
}

// sipConfig is the SIP server's part of the configuration.
func (c *serveConfig) sipConfig(g *guard.Guard, logger *slog.Logger) sip.Config {
	return sip.Config{
		Guard:          g,
		SessionExpires: c.SessionExpires,
		SendWithSendto: c.RTPSendto,
		LogFullNumbers: c.LogFullNumbers,
		Listen:         c.SIP,
		RTPPortMin:     c.rtpMin,
		RTPPortMax:     c.rtpMax,
		ExternalIP:     c.ExternalIP,
		DTMFMode:       c.DTMF,
		AnswerDelay:    c.AnswerDelay,
		RTPTimeout:     c.RTPTimeout,
		MaxCalls:       c.MaxCalls,
		Logger:         logger,
		Version:        currentBuild().Version, // User-Agent: what `dezura version` says
	}
}

// spoolPath is --spool, or a default beside the SQLite file.
func (c *serveConfig) spoolPath() string {
	if c.Spool != "" {
		return c.Spool
	}
	if p, ok := strings.CutPrefix(c.DB, "sqlite:"); ok && p != ":memory:" {
		return p + ".spool"
	}
	return "dezura.spool"
}

// service is a running dezura: store, prompts, flow and SIP server.
type service struct {
	// store is the spool-wrapped store the calls use (it owns db and
	// closes it); db is the database behind it, for billing and /readyz.
	store     *spool.Store
	db        ledger.DB
	spoolDone chan struct{}
	sip       *sip.Server
	http      *httpServer    // nil without --http
	console   *consoleServer // nil without --web
	serveDone chan struct{}  // closed when Serve has returned serveErr
	serveErr  error
	cancel    context.CancelFunc // ends Serve
	logger    *slog.Logger
	// stopBilling leaves the billing leadership election, stopping the
	// scheduler if this node leads (nil when billing is off).
	stopBilling func(context.Context) error
	// trunk keeps the registration with the SIP trunk (nil without one);
	// trunkDone is closed when its Run has returned (after unregistering).
	trunk     *trunk.Registrar
	trunkDone chan struct{}
	stopTrunk context.CancelFunc
}

// endTrunk unregisters from the trunk (if registered) and waits for it.
func (s *service) endTrunk() {
	if s.stopTrunk != nil {
		s.stopTrunk()
		<-s.trunkDone
	}
}

// startTrunk registers with the SIP trunk, if one is configured, from the
// SIP socket, so the trunk's INVITEs come back through the same NAT
// binding. The password comes from a file or the environment, never the
// command line.
func (s *service) startTrunk(ctx context.Context, cfg serveConfig, metrics *serviceMetrics) error {
	if cfg.TrunkRegister == "" {
		return nil
	}
	password := os.Getenv("DEZURA_TRUNK_PASSWORD")
	if cfg.TrunkPasswordFile != "" {
		p, err := trunk.ReadPasswordFile(cfg.TrunkPasswordFile)
		if err != nil {
			return fmt.Errorf("--trunk-password-file: %w", err)
		}
		password = p
	}
	keepAlive := cfg.TrunkKeepAlive
	if keepAlive == 0 {
		keepAlive = -1 // off (trunk.Config takes 0 for its default)
	}
	r, err := trunk.New(trunk.Config{
		AOR: cfg.TrunkRegister, Username: cfg.TrunkUser, Password: password,
		Contact: s.sip.ContactURI(), Expires: cfg.TrunkExpires, KeepAlive: keepAlive,
		Logger: s.logger, // the registrar names its component
	}, s.sip.Client())
	if err != nil {
		return fmt.Errorf("--trunk-register: %w", err)
	}
	s.trunk, s.trunkDone = r, make(chan struct{})
	if metrics != nil {
		metrics.watchTrunk(r.Stats)
	}
	// Its own context: on shutdown it unregisters while SIP still runs.
	tctx, stop := context.WithCancel(ctx)
	s.stopTrunk = stop
	go func() {
		defer close(s.trunkDone)
		if err := r.Run(tctx); err != nil && !errors.Is(err, context.Canceled) {
			s.logger.Error("trunk registration stopped", "err", err)
		}
	}()
	return nil
}

// startBilling starts the daily billing run when the issuer is stored
// (or given by flags): the node runs the scheduler, and with --smtp mails
// the invoices, while it leads billing (one node at a time among those on
// one database; see billing.Leadership).
func (s *service) startBilling(ctx context.Context, cfg serveConfig, metrics *serviceMetrics) error {
	if cfg.BillingAt == "off" {
		s.logger.Info("billing scheduler off (--billing-at off)")
		return nil
	}
	b, err := newBilling(ctx, s.db)
	if err != nil {
		return err
	}
	if cfg.IssuerReg == "" {
		if _, err := b.CurrentIssuer(ctx); errors.Is(err, billing.ErrNoIssuer) {
			s.logger.Warn("billing scheduler off: store the issuer once with 'dezura billing issuer set' to issue invoices")
			return nil
		} else if err != nil {
			return err
		}
	}
	mail, err := billingMail(cfg)
	if err != nil {
		return err
	}
	node, err := b.StartNode(ctx, billing.NodeConfig{Spec: cfg.BillingAt, LeaderInterval: cfg.BillingLeaderInterval, Mail: mail,
		Issuer: billing.Issuer{Name: cfg.IssuerName, Registration: cfg.IssuerReg}, Logger: s.logger.With("component", "billing")})
	if err != nil {
		return fmt.Errorf("start billing scheduler: %w", err)
	}
	s.stopBilling = node.Stop
	metrics.watchBilling(node.Stats, node.Leader)
	return nil
}

// billingMail is how the billing leader mails invoices: nil without --smtp.
func billingMail(cfg serveConfig) (*billing.MailConfig, error) {
	if cfg.SMTP == "" {
		return nil, nil
	}
	smtp, err := billing.ParseSMTPURL(cfg.SMTP)
	if err != nil {
		return nil, fmt.Errorf("--smtp: %w", err)
	}
	font, err := billing.LoadFont(cfg.InvoiceFont)
	if err != nil {
		return nil, err
	}
	return &billing.MailConfig{Mailer: billing.NewSMTPMailer(smtp), Font: font}, nil
}

// openStore opens the database (adding the demo data with --demo) and the
// spool in front of it: confirmed entries go to an fsync'd spool when the
// database does not answer, and are replayed once it does. The spool owns
// the database.
func openStore(ctx context.Context, cfg serveConfig, logger *slog.Logger) (ledger.DB, *spool.Store, error) {
	db, err := openLedger(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Demo {
		if err := db.SeedDemo(ctx); err != nil {
			return nil, nil, errors.Join(fmt.Errorf("add demo data: %w", err), db.Close())
		}
	}
	spooled, rep, err := spool.OpenStore(ctx, db, cfg.spoolPath(), spool.Options{Logger: logger})
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("open spool %s: %w", cfg.spoolPath(), err), db.Close())
	}
	if rep.Replayed+rep.Rejected+rep.Corrupt+rep.Left > 0 {
		logger.Info("spool from the last run", "replayed", rep.Replayed, "rejected", rep.Rejected, "corrupt", rep.Corrupt, "left", rep.Left)
	}
	return db, spooled, nil
}

// startService builds everything and returns once SIP is listening.
func startService(ctx context.Context, cfg serveConfig, logger *slog.Logger) (*service, error) {
	db, store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			store.Close()
		}
	}()
	cat, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return nil, fmt.Errorf("load prompts: %w", err)
	}
	metrics := newServiceMetrics()
	timed := metrics.timeStore(store) // times RecordAttendance and RecordCall
	flow, err := ivr.New(ivr.Config{
		FirstDigitTimeout: cfg.FirstDigitTimeout,
		InterDigitTimeout: cfg.InterDigitTimeout,
		MaxTries:          cfg.MaxTries,
		Logger:            logger,
	}, timed, cat)
	if err != nil {
		return nil, err
	}
	g, err := cfg.guard()
	if err != nil {
		return nil, err
	}
	sipCfg := cfg.sipConfig(g, logger)
	sipCfg.OnRefused = func(r sip.Refusal) { flow.Refused(ctx, refusedCall(r)) }
	srv, err := sip.NewServer(sipCfg, func(ctx context.Context, c *sip.Call) { flow.Handle(ctx, c) })
	if err != nil {
		return nil, fmt.Errorf("start SIP: %w", err)
	}
	// Calls outlive a SIGTERM on ctx: Serve runs on its own context, ended
	// by wait after Shutdown has drained the calls.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	svc := &service{store: store, db: db, sip: srv, serveDone: make(chan struct{}), logger: logger, cancel: cancel,
		spoolDone: make(chan struct{})}
	go func() {
		defer close(svc.spoolDone)
		store.Run(sctx, 5*time.Second)
	}()
	go func() {
		defer close(svc.serveDone)
		svc.serveErr = srv.Serve(sctx)
	}()
	select {
	case <-srv.Ready():
	case <-svc.serveDone:
		svc.teardown(0)
		return nil, fmt.Errorf("start SIP on %s: %w", cfg.SIP, svc.serveErr)
	}
	if err := svc.startAround(sctx, cfg, metrics); err != nil {
		svc.teardown(0)
		return nil, err
	}
	ok = true
	return svc, nil
}

// startAround starts what runs beside the calls once SIP listens: the
// trunk registration, the HTTP endpoints (whose /readyz may ask the
// trunk) and the billing scheduler.
func (s *service) startAround(ctx context.Context, cfg serveConfig, metrics *serviceMetrics) error {
	if err := s.startTrunk(ctx, cfg, metrics); err != nil {
		return err
	}
	if cfg.HTTP != "" {
		t := httpTargets{SIP: s.sip, Store: s.db, Spool: s.store.Spool(), Metrics: metrics}
		if cfg.ReadyNeedsTrunk && s.trunk != nil {
			t.Trunk = s.trunk
		}
		h, err := startHTTP(cfg.HTTP, t, s.logger)
		if err != nil {
			return err
		}
		s.http = h
	}
	if err := s.startConsole(ctx, cfg); err != nil {
		return err
	}
	return s.startBilling(ctx, cfg, metrics)
}

// teardown stops, in order, everything started beside the store: the trunk
// registration (unregistering while SIP still runs), SIP and the spool's
// replay loop, the billing scheduler (a run in progress may take up to
// billingWait to finish), and the HTTP endpoints. It may be called on a
// half-started service and returns the first error.
func (s *service) teardown(billingWait time.Duration) error {
	s.endTrunk()
	s.cancel()
	<-s.serveDone
	<-s.spoolDone
	err := s.serveErr
	if s.stopBilling != nil {
		bctx, cancel := context.WithTimeout(context.Background(), billingWait)
		if berr := s.stopBilling(bctx); berr != nil && err == nil {
			err = fmt.Errorf("stop billing: %w", berr)
		}
		cancel()
	}
	if s.console != nil {
		hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if herr := s.console.http.Close(hctx); herr != nil {
			s.logger.Warn("console server close", "error", herr)
		}
		cancel()
	}
	if s.http != nil { // last: /readyz said 503 all through the drain
		hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if herr := s.http.Close(hctx); herr != nil {
			s.logger.Warn("HTTP server close", "error", herr)
		}
		cancel()
	}
	return err
}

// wait runs until ctx ends, then unregisters from the trunk, stops taking
// calls, lets the calls in progress finish for up to drain (hanging up the
// rest), stops everything else and closes the store. Calls cut off at the
// deadline are logged, not an error: the stop was asked for and went as
// configured.
func (s *service) wait(ctx context.Context, drain time.Duration) error {
	select {
	case <-s.serveDone:
	case <-ctx.Done():
		// Unregistered first, so that the carrier sends no new call here
		// while the calls in progress finish; calls that come before the
		// unregistration is answered are taken as usual.
		s.endTrunk()
		s.logger.Info("shutting down: draining calls", "deadline", drain, "active", s.sip.ActiveCalls())
		dctx, cancel := context.WithTimeout(context.Background(), drain)
		if err := s.sip.Shutdown(dctx); err != nil {
			s.logger.Warn("drain deadline passed: remaining calls hung up", "err", err)
		}
		cancel()
	}
	err := s.teardown(drain + 30*time.Second)
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// setProcs sets GOMAXPROCS for the service process: n, or with n == 0
// twice the CPUs the Go runtime sees unless the GOMAXPROCS variable is
// set. With as many processors as cores, a burst of signalling and ledger
// work can hold every processor when a media shard's 20 ms timer fires,
// and the shard waits for the next scheduling point (p99 jitter 15 ms at
// 1,500 calls on 2 cores); with twice as many, one is usually idle in the
// poller and runs the shard at once (6.4 ms), for the same CPU.
func setProcs(n int, logger *slog.Logger) {
	if n == 0 && os.Getenv("GOMAXPROCS") == "" {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	if n > 0 {
		runtime.GOMAXPROCS(n)
	}
	logger.Info("Go processors", "gomaxprocs", runtime.GOMAXPROCS(0), "cpus", runtime.NumCPU())
}
