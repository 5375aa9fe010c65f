// Package browsertest starts Debian's chromium headless for end-to-end
// tests of the console (chromedp over the DevTools protocol): a fresh
// profile per test, the flags a root user on a machine without network
// needs, and screenshots.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// Chromium is the browser the tests drive; .ci/run installs it (Debian's
// chromium package).
const Chromium = "/usr/bin/chromium"

// Phone and Desktop are viewport sizes (CSS pixels).
var (
	Phone   = [2]int{390, 844}
	Desktop = [2]int{1280, 900}
)

// New starts chromium for t with a viewport of size and returns a
// context for chromedp actions, ended with the test. Without chromium the
// test fails in CI (CI=true) and is skipped elsewhere.
func New(t testing.TB, size [2]int) context.Context {
	t.Helper()
	path := Chromium
	if _, err := os.Stat(path); err != nil {
		p, lerr := exec.LookPath("chromium")
		if lerr != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
			}
			t.Skipf("chromium is not installed (apt-get install chromium; in CI this fails): %v", err)
		}
		path = p
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // root in CI: chromium's sandbox needs an unprivileged user
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), // no network here: its connections would only be refused
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(size[0], size[1]),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTime()
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(size[0]), int64(size[1]))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Screenshot saves the page as name.png: into dir when
// DEZURA_UPDATE_SCREENSHOTS=1 (the README's pictures), else into the
// test's temporary directory (taken all the same, so a page that cannot
// be drawn fails the test).
func Screenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if os.Getenv("DEZURA_UPDATE_SCREENSHOTS") != "1" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Downloads lets the browser of ctx save files (a PDF, a bank file) into
// a directory of the test's, and returns it.
func Downloads(t testing.TB, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	return dir
}

// Downloaded waits (up to 30 s) for a file named name to be saved
// completely into dir and returns its bytes.
func Downloaded(t testing.TB, dir, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(dir, name))
		partial, _ := filepath.Glob(filepath.Join(dir, "*.crdownload"))
		if err == nil && len(data) > 0 && len(partial) == 0 {
			return data
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no download %s after 30s (in %s: %v)", name, dir, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
