package dtmf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Talk-off: speech in several languages and voices, made by espeak-ng at
// test time and resampled to 8 kHz by sox, must give no digit, both as
// linear PCM and after a G.711 round trip. The default run makes about
// three minutes of speech; DEZURA_TALKOFF_MINUTES=30 makes the full half hour
// that CI runs (several minutes of CPU).

var talkoffTexts = []struct{ lang, text string }{
	{"ja", "おはようございます。本日の現場での就業履歴を登録します。技能者番号を入力してください。入場の場合は一を、退場の場合は二を押してください。登録が完了しました。ありがとうございました。現場の安全を第一に、今日も一日よろしくお願いします。"},
	{"en", "Good morning. This is the site attendance line. Please enter your fourteen digit technician number followed by the hash key. Press one to check in, or two to check out. Your entry has been recorded. Thank you, and have a safe day on site."},
	{"es", "Buenos días. Esta es la línea de asistencia de la obra. Introduzca su número de técnico de catorce dígitos y pulse la tecla almohadilla. Pulse uno para registrar la entrada o dos para la salida. Gracias y que tenga un buen día."},
	{"de", "Guten Morgen. Hier ist die Anwesenheitserfassung der Baustelle. Bitte geben Sie Ihre vierzehnstellige Technikernummer ein und drücken Sie die Rautetaste. Drücken Sie eins für Arbeitsbeginn und zwei für Arbeitsende. Vielen Dank."},
	{"cmn", "早上好。这里是工地出勤登记热线。请输入您的十四位技能者编号，然后按井号键。上班请按一，下班请按二。您的记录已经保存。谢谢，祝您今天工作平安。"},
	{"fr", "Bonjour. Ceci est la ligne de pointage du chantier. Veuillez saisir votre numéro de technicien à quatorze chiffres puis appuyez sur la touche dièse. Appuyez sur un pour l'arrivée ou sur deux pour le départ. Merci et bonne journée."},
	{"pt", "Bom dia. Esta é a linha de presença da obra. Digite o seu número de técnico de catorze dígitos e pressione a tecla cerquilha. Pressione um para entrada ou dois para saída. Obrigado e tenha um bom dia."},
	{"vi", "Xin chào. Đây là đường dây chấm công công trường. Vui lòng nhập mã số kỹ thuật viên gồm mười bốn chữ số rồi nhấn phím thăng. Nhấn một để vào ca, nhấn hai để ra ca. Cảm ơn bạn."},
	{"id", "Selamat pagi. Ini adalah layanan absensi proyek. Silakan masukkan nomor teknisi empat belas digit lalu tekan tombol pagar. Tekan satu untuk masuk atau dua untuk pulang. Terima kasih."},
	{"ko", "안녕하세요. 현장 출근 기록 전화입니다. 열네 자리 기술자 번호를 입력하고 우물 정 버튼을 눌러 주십시오. 출근은 일번, 퇴근은 이번을 눌러 주십시오. 감사합니다."},
}

// Voices: variant and pitch, from low male to high female and child-like.
var talkoffVoices = []struct {
	variant string
	pitch   int
	speed   int
}{
	{"", 50, 170}, {"+f3", 70, 160}, {"+m3", 30, 180}, {"+f5", 90, 150}, {"+m7", 15, 140}, {"+f2", 60, 200},
}

func TestTalkOff(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			// CI installs both (.ci/run) and must run this test; a fresh
			// developer machine with only Go may not have them.
			if os.Getenv("CI") == "true" {
				t.Fatalf("talk-off test needs %s (apt-get install espeak-ng sox): %v", tool, err)
			}
			t.Skipf("talk-off test needs %s: apt-get install espeak-ng sox (CI runs it)", tool)
		}
	}
	target := 3 * time.Minute
	if v := os.Getenv("DEZURA_TALKOFF_MINUTES"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m <= 0 {
			t.Fatalf("DEZURA_TALKOFF_MINUTES=%q: want a positive number", v)
		}
		target = time.Duration(m) * time.Minute
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Plan clips round-robin over languages and voices until the target
	// is reached; each clip's length is only known once made, so make
	// them in rounds.
	var total time.Duration
	var made int
	byLang := map[string]time.Duration{}
	for round := 0; total < target; round++ {
		type clip struct {
			lang, text, variant, path string
			pitch, speed              int
		}
		var clips []clip
		for i := 0; i < 4; i++ {
			n := made + i
			tx := talkoffTexts[n%len(talkoffTexts)]
			v := talkoffVoices[(n/len(talkoffTexts)+n)%len(talkoffVoices)]
			clips = append(clips, clip{tx.lang, tx.text, v.variant, filepath.Join(dir, fmt.Sprintf("%d.wav", n)), v.pitch, v.speed})
		}
		made += len(clips)
		results := make([][]int16, len(clips))
		errs := make([]error, len(clips))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2) // two cores, shared
		for i, c := range clips {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = makeSpeech(ctx, c.lang+c.variant, c.pitch, c.speed, c.text, c.path, &results[i])
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for i, s := range results {
			c := clips[i]
			d := time.Duration(len(s)) * time.Second / sampleRate
			total += d
			byLang[c.lang] += d
			// Speech is often loud on a mobile: try it as made and 10 dB
			// hotter (saturating), through each codec.
			for _, gain := range []float64{1, 3.16} {
				x := make([]int16, len(s))
				for j, v := range s {
					x[j] = saturate(float64(v) * gain)
				}
				for _, cd := range codecs {
					if got := detect(x, cd); got != "" {
						t.Errorf("talk-off: %s%s pitch %d gain %.2f %s: detected %q", c.lang, c.variant, c.pitch, gain, cd.name, got)
					}
				}
			}
		}
	}
	t.Logf("talk-off: %v of speech in %d clips (%v), x2 gains x3 codecs, no digit expected", total.Round(time.Second), made, byLang)
}

// makeSpeech has espeak-ng say text with a voice, resamples it to 8 kHz
// 16-bit mono with sox into path, and reads it back.
func makeSpeech(ctx context.Context, voice string, pitch, speed int, text, path string, out *[]int16) error {
	raw := path + ".raw.wav"
	if b, err := exec.CommandContext(ctx, "espeak-ng", "-v", voice, "-p", strconv.Itoa(pitch), "-s", strconv.Itoa(speed), "-w", raw, text).CombinedOutput(); err != nil {
		return fmt.Errorf("espeak-ng %s: %w: %s", voice, err, b)
	}
	if b, err := exec.CommandContext(ctx, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", path).CombinedOutput(); err != nil {
		return fmt.Errorf("sox %s: %w: %s", raw, err, b)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s, err := ReadWAV(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	*out = s
	return nil
}
