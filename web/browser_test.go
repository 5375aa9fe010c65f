package web_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/web"
	"github.com/dezura/dezura/web/browsertest"
)

// The browser tests drive Debian's chromium (headless) through the
// console served by web.Server over a real store, as a clerk would.

// docs is where the README's screenshots go (DEZURA_UPDATE_SCREENSHOTS=1).
func docs() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "docs", "console")
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func html(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fill clears an input and types v into it.
func fill(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), v))
}

// submit presses a button (or follows a link) and waits for the next
// page: the old page is marked, and the wait is for a page without the
// mark that has waitFor.
func submit(button, waitFor string) chromedp.Action[chromedp.Void] {
	mark := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("window.dezuraOldPage = true")(ctx, tg)
		return err
	})
	newPage := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// An evaluation racing the navigation fails ("target navigated"):
		// ask again until the new page answers.
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, err := chromedp.Evaluate[bool]("!window.dezuraOldPage && document.readyState === 'complete'")(ctx, tg)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no new page after 30s (last error %v)", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	return chromedp.Steps(mark, chromedp.Click(chromedp.CSS(button)), newPage, chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

func (c *console) signInBrowser(t *testing.T, ctx context.Context, login, pw, waitFor string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(c.url+"/login"), fill("#f-Login", login), fill("#f-Password", pw),
		submit(`main form button[type=submit]`, waitFor))
}

func wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	if got := textOf(t, ctx, sel); !strings.Contains(got, want) {
		t.Errorf("%s: %q, want it to contain %q", sel, got, want)
	}
}

// A clerk adds, edits, disables and re-enables a site and a technician,
// sets the technician's security code, and sees field errors in Japanese.
func TestBrowserSitesAndTechnicians(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			ctx := browsertest.New(t, browsertest.Desktop)
			c.signInBrowser(t, ctx, "clerk.a", password, "#board")

			do(t, ctx, chromedp.Navigate(c.url+"/sites/new"), fill("#f-Code", "12ab"), fill("#f-Name", "ブラウザ現場"),
				submit(`main form button[type=submit]`, "#e-Code"))
			wantText(t, ctx, "#e-Code", "現場コードは1〜8桁の数字で入力してください")
			do(t, ctx, fill("#f-Code", "303"), fill("#f-DID", "050-3333-4444"), submit(`main form button[type=submit]`, ".notice"))
			wantText(t, ctx, ".notice", "登録しました")
			wantText(t, ctx, "h1", "ブラウザ現場")
			wantText(t, ctx, "dl.props", "050-3333-4444")

			do(t, ctx, submit(`.head a.button[href$="/edit"]`, "#f-Name"), fill("#f-Name", "ブラウザ現場 第二期"),
				submit(`main form button[type=submit]`, ".notice"))
			wantText(t, ctx, "h1", "ブラウザ現場 第二期")
			do(t, ctx, submit(`.head form[action$="/disable"] button`, ".notice"))
			wantText(t, ctx, ".notice", "無効にしました")
			if st, _ := c.db.ScopedSite(t.Context(), ledger.ScopeAll(), "303"); !st.Disabled {
				t.Error("site 303 is not disabled")
			}
			do(t, ctx, submit(`.head form[action$="/enable"] button`, ".notice"))
			wantText(t, ctx, ".notice", "有効にしました")
			if st, _ := c.db.ScopedSite(t.Context(), ledger.ScopeAll(), "303"); st.Disabled || st.Name != "ブラウザ現場 第二期" || st.DID != "+815033334444" {
				t.Errorf("site 303 = %+v", st)
			}

			do(t, ctx, chromedp.Navigate(c.url+"/technicians/new"), fill("#f-ID", "10000000000099"), fill("#f-Name", "画面 太郎"),
				fill("#f-SecurityCode", "1357"), fill("#f-Phone", "080-1111-2222"), submit(`main form button[type=submit]`, ".notice"))
			wantText(t, ctx, "dl.props", "登録済み")
			if strings.Contains(html(t, ctx), "1357") {
				t.Error("the security code is shown back")
			}
			do(t, ctx, fill("#f-SecurityCode", "2468"), submit(`main form[action$="/security-code"] button[type=submit]`, ".notice"))
			wantText(t, ctx, ".notice", "セキュリティコードを変更しました")
			if ok, _ := c.db.CheckSecurityCode(t.Context(), "10000000000099", "2468"); !ok {
				t.Error("the new security code does not match")
			}
			do(t, ctx, submit(`.head form[action$="/disable"] button`, ".notice"), submit(`.head form[action$="/enable"] button`, ".notice"),
				submit(`.head a.button[href$="/edit"]`, "#f-Name"), fill("#f-Name", "画面 次郎"), submit(`main form button[type=submit]`, ".notice"))
			wantText(t, ctx, "h1", "画面 次郎")
			h := textOf(t, ctx, "section.history")
			for _, want := range []string{"user:clerk.a", "セキュリティコードを設定", "技能者を無効化", "技能者を有効化", "技能者を編集"} {
				if !strings.Contains(h, want) {
					t.Errorf("history lacks %q:\n%s", want, h)
				}
			}
			do(t, ctx, chromedp.Navigate(c.url+"/phones?q=080-1111"), chromedp.WaitVisible(chromedp.CSS("table.list")))
			wantText(t, ctx, "table.list", "080-1111-2222")
			do(t, ctx, chromedp.Navigate(c.url+"/sites"), chromedp.WaitVisible(chromedp.CSS("table.list")))
			browsertest.Screenshot(t, ctx, docs(), "sites")
		})
	}
}

// A form whose CSRF token was tampered with is refused and changes
// nothing.
func TestBrowserCSRFRefusal(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	ctx := browsertest.New(t, browsertest.Desktop)
	c.signInBrowser(t, ctx, "admin.a", password, "#board")
	do(t, ctx, chromedp.Navigate(c.url+"/sites/"+c.ts.A.Site), chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.SetValue(chromedp.CSS(`.head form[action$="/disable"] input[name=csrf]`), "forged-token"),
		submit(`.head form[action$="/disable"] button`, ".problem"))
	wantText(t, ctx, ".problem", "画面の有効期限が切れたため、操作を受け付けませんでした")
	if st, _ := c.db.ScopedSite(t.Context(), ledger.ScopeAll(), c.ts.A.Site); st.Disabled {
		t.Error("the forged form disabled the site")
	}
}

// Five wrong passwords lock the name; the right one is then refused too.
func TestBrowserLockout(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	ctx := browsertest.New(t, browsertest.Phone)
	for range 4 {
		c.signInBrowser(t, ctx, "clerk.a", "wrong password", ".problem")
		wantText(t, ctx, ".problem", "ログインIDかパスワードが違います")
	}
	c.signInBrowser(t, ctx, "clerk.a", "wrong password", ".problem")
	wantText(t, ctx, ".problem", "ログインの失敗が続いたため")
	c.signInBrowser(t, ctx, "clerk.a", password, ".problem")
	wantText(t, ctx, ".problem", "ログインの失敗が続いたため")
}

// B's admin cannot open A's site; A's foreman on his phone sees his site
// only.
func TestBrowserTenantIsolation(t *testing.T) {
	c := newConsole(t, "postgres", nil)
	a := c.ts.A
	ctx := browsertest.New(t, browsertest.Desktop)
	c.signInBrowser(t, ctx, "admin.b", password, "#board")
	if strings.Contains(html(t, ctx), a.Marker) {
		t.Error("B's board shows A's records")
	}
	for _, p := range []string{"/sites/" + a.Site, "/technicians/" + a.Worker, "/sites/" + a.Site + "/edit"} {
		do(t, ctx, chromedp.Navigate(c.url+p), chromedp.WaitVisible(chromedp.CSS(".problem")))
		wantText(t, ctx, ".problem", "見つかりません")
	}
	phone := browsertest.New(t, browsertest.Phone)
	c.signInBrowser(t, phone, "foreman.a", password, "#board")
	board := textOf(t, phone, "#board")
	if !strings.Contains(board, a.Marker+"駅前現場") || strings.Contains(board, a.Marker+"川沿い現場") {
		t.Errorf("the foreman's board:\n%s", board)
	}
	do(t, phone, chromedp.Navigate(c.url+"/sites/"+a.OtherSite), chromedp.WaitVisible(chromedp.CSS(".problem")))
	wantText(t, phone, ".problem", "見つかりません")
	do(t, phone, chromedp.Navigate(c.url+"/sites/"+a.Site+"/edit"), chromedp.WaitVisible(chromedp.CSS(".problem")))
	wantText(t, phone, ".problem", "この操作はできません")
}

// The board updates itself on a phone without a reload: a check-out
// recorded meanwhile shows within the refresh interval.
func TestBrowserBoardRefreshes(t *testing.T) {
	c := newConsole(t, "sqlite", func(cfg *web.Config) { cfg.BoardRefresh = time.Second })
	a := c.ts.A
	ctx := browsertest.New(t, browsertest.Phone)
	c.signInBrowser(t, ctx, "foreman.a", password, "#board")
	wantText(t, ctx, "#site-"+a.Site, "退場済み (1)")
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("window.dezuraOldPage = true")(ctx, tg)
		return err
	}))
	today, _ := ledger.ParseWorkDate(day)
	if _, err := c.db.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: a.Worker, SiteCode: a.Site,
		Action: ledger.ActionCheckOut, At: today.Add(17 * time.Hour), IdempotencyKey: "refresh"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(textOf(t, ctx, "#site-"+a.Site), "退場済み (2)") {
		if time.Now().After(deadline) {
			t.Fatalf("the board did not update: %s", textOf(t, ctx, "#site-"+a.Site))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if same, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.dezuraOldPage === true")); err != nil || !same {
		t.Errorf("the page was reloaded instead of updated in place (%v)", err)
	}
}
