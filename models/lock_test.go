package models

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// lockHelperEnv names the database the test binary locks when it is run as
// TestLockHelperProcess, as another user.
const lockHelperEnv = "SAMSPILL_LOCK_HELPER_DB"

// TestLockHelperProcess is not a test: TestLockLeftByAnotherUser runs the
// test binary as another user to call LockDB, and prints its error.
func TestLockHelperProcess(t *testing.T) {
	db := os.Getenv(lockHelperEnv)
	if db == "" {
		t.Skip("run by TestLockLeftByAnotherUser")
	}
	if _, err := LockDB(db); err != nil {
		os.Stdout.WriteString(err.Error())
	}
	os.Exit(0)
}

// A lock file (FILE.lock) that another user left, as a run of samspill as
// root does, stops a service user with an error that names the file, says it
// belongs to another user and how to give it to the service user (chown); so
// does a directory where the service user may not make the lock file. Before,
// it said only "lock FILE.lock: open FILE.lock: permission denied".
// Root may open any file whatever its mode, so as root the test runs LockDB
// as the user nobody (the test binary run with that user's credentials);
// otherwise it checks a lock file of its own whose mode forbids writing it.
func TestLockLeftByAnotherUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		db := filepath.Join(dir, "samspill.db")
		if err := os.WriteFile(db+".lock", nil, 0o400); err != nil {
			t.Fatal(err)
		}
		_, err := LockDB(db)
		if err == nil || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), db+".lock") || !strings.Contains(err.Error(), "chmod u+rw "+db+".lock") {
			t.Errorf("LockDB of a lock file that may not be written: %v; want the file named and chmod advised", err)
		}
		return
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody to run as: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	// A directory nobody may enter, holding a copy of the test binary that
	// nobody may run.
	dir, err := os.MkdirTemp("", "samspill-lock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "models.test")
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}

	asNobody := func(db string) string {
		t.Helper()
		cmd := exec.Command(bin, "-test.run=^TestLockHelperProcess$")
		cmd.Env = append(os.Environ(), lockHelperEnv+"="+db)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("running LockDB as nobody: %v\n%s", err, out)
		}
		return string(out)
	}

	// The lock file a run as root left beside the database.
	left := filepath.Join(dir, "left")
	if err := os.Mkdir(left, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(left, 0o777); err != nil { // whatever the umask
		t.Fatal(err)
	}
	db := filepath.Join(left, "samspill.db")
	if _, err := LockDB(db); err != nil { // as root
		t.Fatal(err)
	}
	msg := asNobody(db)
	for _, want := range []string{db + ".lock", "belongs to root", "nobody", "chown nobody " + db + "*"} {
		if !strings.Contains(msg, want) {
			t.Errorf("LockDB as nobody of the lock file root left says %q; want it to say %q", msg, want)
		}
	}

	// A directory of root's where nobody may not make the lock file.
	closed := filepath.Join(dir, "closed")
	if err := os.Mkdir(closed, 0o755); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(closed, "samspill.db")
	msg = asNobody(db)
	for _, want := range []string{db + ".lock", closed, "belongs to root", "chown nobody " + closed + " " + db + "*"} {
		if !strings.Contains(msg, want) {
			t.Errorf("LockDB as nobody in a directory of root's says %q; want it to say %q", msg, want)
		}
	}
}
