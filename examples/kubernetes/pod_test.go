package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// cluster stands in for what a pod of the example meets in a cluster:
// ConfigMaps, the shared volume, an S3-compatible bucket. Volumes are
// folders, the bucket is a folder of BUCKET/KEY files, and the inferbench
// image is the binary the test built.
type cluster struct {
	t          *testing.T
	bin        string                       // inferbench, built by the test
	configMaps map[string]map[string]string // name -> data
	claims     map[string]string            // PVC name -> folder
	bucket     string                       // folder standing for s3://
	overrides  map[string]string            // env vars replaced with test values (the target URL)
}

// pod is one pod of a Job: its volumes as folders, and its completion
// index (-1 for a Job that is not Indexed).
type pod struct {
	c     *cluster
	name  string
	spec  corev1.PodSpec
	index int
	vols  map[string]string // volume name -> folder
}

// newPod lays out the pod's volumes: a folder per emptyDir, the cluster's
// folder for a PVC (shared by every pod that claims it), and a ConfigMap's
// keys written as files.
func (c *cluster) newPod(name string, spec corev1.PodSpec, index int) *pod {
	t := c.t
	p := &pod{c: c, name: name, spec: spec, index: index, vols: map[string]string{}}
	for _, v := range spec.Volumes {
		switch {
		case v.EmptyDir != nil:
			p.vols[v.Name] = t.TempDir()
		case v.PersistentVolumeClaim != nil:
			d, ok := c.claims[v.PersistentVolumeClaim.ClaimName]
			if !ok {
				d = t.TempDir()
				c.claims[v.PersistentVolumeClaim.ClaimName] = d
			}
			p.vols[v.Name] = d
		case v.ConfigMap != nil:
			data, ok := c.configMaps[v.ConfigMap.Name]
			if !ok {
				t.Fatalf("pod %s: volume %s: no ConfigMap %s in the manifests", name, v.Name, v.ConfigMap.Name)
			}
			d := t.TempDir()
			for k, val := range data {
				if err := os.WriteFile(filepath.Join(d, k), []byte(val), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p.vols[v.Name] = d
		default:
			t.Fatalf("pod %s: volume %s: only emptyDir, persistentVolumeClaim and configMap are emulated", name, v.Name)
		}
	}
	return p
}

// env is the container's environment as the kubelet builds it: envFrom
// first, then env in order, each value expanded against the variables
// defined before it; the Job controller appends JOB_COMPLETION_INDEX to
// every container of an Indexed Job. Secrets are empty here (no keys in
// tests), and a ConfigMap key that does not exist fails the test.
func (p *pod) env(ctr corev1.Container) map[string]string {
	t := p.c.t
	vars := map[string]string{}
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef != nil {
			for k, v := range p.configMap(ctr, ef.ConfigMapRef.Name) {
				vars[ef.Prefix+k] = v
			}
		}
	}
	env := slices.Clone(ctr.Env)
	if p.index >= 0 {
		env = append(env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", Value: strconv.Itoa(p.index)})
	}
	for _, e := range env {
		switch vf := e.ValueFrom; {
		case vf == nil:
			vars[e.Name] = expand(e.Value, vars)
		case vf.ConfigMapKeyRef != nil:
			v, ok := p.configMap(ctr, vf.ConfigMapKeyRef.Name)[vf.ConfigMapKeyRef.Key]
			if !ok {
				t.Fatalf("pod %s container %s: env %s: ConfigMap %s has no key %q", p.name, ctr.Name, e.Name, vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key)
			}
			vars[e.Name] = v
		case vf.SecretKeyRef != nil:
			continue
		default:
			t.Fatalf("pod %s container %s: env %s: only values, ConfigMap and Secret keys are emulated", p.name, ctr.Name, e.Name)
		}
		if v, ok := p.c.overrides[e.Name]; ok {
			vars[e.Name] = v
		}
	}
	return vars
}

func (p *pod) configMap(ctr corev1.Container, name string) map[string]string {
	data, ok := p.c.configMaps[name]
	if !ok {
		p.c.t.Fatalf("pod %s container %s: no ConfigMap %s", p.name, ctr.Name, name)
	}
	return data
}

// argv is the container's arguments with $(VAR) expanded against its
// environment and every path inside a volume mount moved to the folder
// standing for that volume. An absolute path outside the mounts fails the
// test: the example's containers write nowhere else.
func (p *pod) argv(ctr corev1.Container, vars map[string]string) []string {
	var out []string
	for _, a := range ctr.Args {
		a = expand(a, vars)
		if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
			out = append(out, k+"="+p.hostPath(ctr, v))
		} else {
			out = append(out, p.hostPath(ctr, a))
		}
	}
	return out
}

// hostPath maps a path in the container to the folder of its volume.
func (p *pod) hostPath(ctr corev1.Container, path string) string {
	if !strings.HasPrefix(path, "/") {
		return path
	}
	best := -1
	for i, m := range ctr.VolumeMounts {
		mp := strings.TrimSuffix(m.MountPath, "/")
		if (path == mp || strings.HasPrefix(path, mp+"/")) && (best < 0 || len(mp) > len(ctr.VolumeMounts[best].MountPath)) {
			best = i
		}
	}
	if best < 0 {
		p.c.t.Fatalf("pod %s container %s: %s is on no volume mount", p.name, ctr.Name, path)
	}
	m := ctr.VolumeMounts[best]
	return filepath.Join(p.vols[m.Name], m.SubPath, strings.TrimPrefix(path, strings.TrimSuffix(m.MountPath, "/")))
}

// step is one container of a pod, resolved: what runs and with what.
type step struct {
	pod, name string
	aws       bool     // the AWS CLI image, else inferbench
	args      []string // expanded, paths on the host
	env       []string // NAME=value
}

// steps resolves the pod's init containers, then its containers, in the
// order they run (the example's main containers run one at a time too:
// none depends on another running beside it). It runs in the test's
// goroutine: a manifest the emulation cannot follow fails the test here.
func (p *pod) steps() []step {
	var out []step
	for _, ctr := range slices.Concat(p.spec.InitContainers, p.spec.Containers) {
		vars := p.env(ctr)
		s := step{pod: p.name, name: ctr.Name, args: p.argv(ctr, vars)}
		switch {
		case isInferbench(ctr):
		case strings.HasPrefix(ctr.Image, "amazon/aws-cli:"):
			s.aws = true
		default:
			p.c.t.Fatalf("pod %s container %s: image %s is not emulated", p.name, ctr.Name, ctr.Image)
		}
		for k, v := range vars {
			s.env = append(s.env, k+"="+v)
		}
		out = append(out, s)
	}
	return out
}

// run runs a pod's steps in order; the first failure ends the pod. The
// built binary gets exactly the container's environment.
func (c *cluster) run(ctx context.Context, steps []step) error {
	for _, s := range steps {
		var out bytes.Buffer
		var err error
		if s.aws {
			err = c.awsS3(s.args, &out)
		} else {
			cctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			cmd := exec.CommandContext(cctx, c.bin, s.args...)
			cmd.Env = s.env
			cmd.Stdout, cmd.Stderr = &out, &out
			err = cmd.Run()
			cancel()
		}
		c.t.Logf("pod %s container %s: %q\n%s", s.pod, s.name, s.args, out.String())
		if err != nil {
			return fmt.Errorf("pod %s container %s: %w\n%s", s.pod, s.name, err, out.String())
		}
	}
	return nil
}

// awsS3 does what `aws s3 cp [--recursive] SRC DST` would, with the
// bucket a folder: s3://BUCKET/KEY is c.bucket/BUCKET/KEY. Exactly one of
// SRC and DST is in the bucket; a recursive copy copies SRC's contents
// under DST, as the AWS CLI does.
func (c *cluster) awsS3(args []string, log io.Writer) error {
	if len(args) < 4 || args[0] != "s3" || args[1] != "cp" {
		return fmt.Errorf("only `aws s3 cp` is emulated: %q", args)
	}
	recursive := false
	var paths []string
	for _, a := range args[2:] {
		switch {
		case a == "--recursive":
			recursive = true
		case a == "--only-show-errors":
		case strings.HasPrefix(a, "--"):
			return fmt.Errorf("aws s3 cp: flag %s is not emulated", a)
		default:
			paths = append(paths, a)
		}
	}
	if len(paths) != 2 || strings.HasPrefix(paths[0], "s3://") == strings.HasPrefix(paths[1], "s3://") {
		return fmt.Errorf("aws s3 cp: want a local path and an s3:// URL, got %q", paths)
	}
	local := func(p string) string {
		if key, ok := strings.CutPrefix(p, "s3://"); ok {
			return filepath.Join(c.bucket, filepath.FromSlash(key))
		}
		return p
	}
	src, dst := local(paths[0]), local(paths[1])
	fmt.Fprintf(log, "aws s3 cp %s -> %s\n", paths[0], paths[1])
	if recursive {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		return os.CopyFS(dst, os.DirFS(src))
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
