package kubernetes

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// manifest is one object of a manifest file, decoded into its API type.
type manifest struct {
	path string
	obj  any // *batchv1.Job, *corev1.ConfigMap or *corev1.PersistentVolumeClaim
}

// kustomization is the part of kustomize's Kustomization the example uses;
// decoding it strictly rejects any other key.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Resources  []string         `json:"resources"`
	Images     []kustomizeImage `json:"images"`
}

// kustomizeImage is an images: entry (kustomize edit set image).
type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
}

// decodeStrict decodes one YAML document into the API type its apiVersion
// and kind name. Unknown or duplicate fields, wrong types and kinds the
// example does not use are errors.
func decodeStrict(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	default:
		return nil, fmt.Errorf("apiVersion %q kind %q: not a kind this example uses", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// docSep splits a file into YAML documents.
var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// loadManifests decodes every object of every .yaml file under dir (but
// kustomization.yaml) strictly, failing the test on any error.
func loadManifests(t *testing.T, dir string) []manifest {
	t.Helper()
	var out []manifest
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) ||
			d.Name() == "kustomization.yaml" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, doc := range docSep.Split(string(b), -1) {
			if len(bytes.TrimSpace([]byte(doc))) == 0 {
				continue
			}
			obj, err := decodeStrict([]byte(doc))
			if err != nil {
				t.Errorf("%s (document %d): %v", path, i+1, err)
				continue
			}
			out = append(out, manifest{path: path, obj: obj})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jobsIn returns the Jobs of the manifests in directory dir (not below it).
func jobsIn(ms []manifest, dir string) []*batchv1.Job {
	var jobs []*batchv1.Job
	for _, m := range ms {
		if j, ok := m.obj.(*batchv1.Job); ok && filepath.Dir(m.path) == dir {
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// isInferbench tells the containers that run the inferbench image (any
// registry, any tag) from the uploader's.
func isInferbench(c corev1.Container) bool {
	name, _, _ := strings.Cut(c.Image, ":")
	return name == "inferbench" || strings.HasSuffix(name, "/inferbench")
}

// shardArg matches the shard flag of a load generator's arguments.
var shardArg = regexp.MustCompile(`^--shard=\$\(JOB_COMPLETION_INDEX\)/(\d+)$`)

// shardCount checks that job is an Indexed Job whose inferbench container
// runs `run --shard=$(JOB_COMPLETION_INDEX)/N` with completions ==
// parallelism == N, and returns N and that container.
func shardCount(t *testing.T, job *batchv1.Job) (int, corev1.Container) {
	t.Helper()
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("job %s: completionMode is not Indexed", job.Name)
	}
	var runs []corev1.Container
	for _, c := range slices.Concat(s.Template.Spec.InitContainers, s.Template.Spec.Containers) {
		if isInferbench(c) && len(c.Args) > 0 && c.Args[0] == "run" {
			runs = append(runs, c)
		}
	}
	if len(runs) != 1 {
		t.Fatalf("job %s: %d containers run `inferbench run`, want 1", job.Name, len(runs))
	}
	n := 0
	for _, a := range runs[0].Args {
		if m := shardArg.FindStringSubmatch(a); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
	}
	if n < 2 {
		t.Fatalf("job %s: no --shard=$(JOB_COMPLETION_INDEX)/N (N >= 2) in %q", job.Name, runs[0].Args)
	}
	if s.Completions == nil || s.Parallelism == nil || int(*s.Completions) != n || int(*s.Parallelism) != n {
		t.Fatalf("job %s: completions %v and parallelism %v must both be the shard count %d",
			job.Name, deref(s.Completions), deref(s.Parallelism), n)
	}
	if p := s.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
		t.Errorf("job %s: restartPolicy %q: a restarted shard would miss the shared start", job.Name, p)
	}
	return n, runs[0]
}

func deref(p *int32) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// TestManifestsParseStrictly decodes every manifest under this folder with
// the Kubernetes API types, unknown fields rejected, checks the shape of
// each Indexed Job, and checks kustomization.yaml against the files.
func TestManifestsParseStrictly(t *testing.T) {
	ms := loadManifests(t, ".")
	if len(ms) < 6 {
		t.Fatalf("decoded %d manifests; the walk is not finding them", len(ms))
	}
	indexed := 0
	for _, m := range ms {
		j, ok := m.obj.(*batchv1.Job)
		if !ok {
			continue
		}
		if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion {
			indexed++
			shardCount(t, j)
		}
		for _, c := range slices.Concat(j.Spec.Template.Spec.InitContainers, j.Spec.Template.Spec.Containers) {
			if c.Image == "" || len(c.Command) > 0 {
				t.Errorf("%s: container %s: want an image and args only (the image's entrypoint runs)", m.path, c.Name)
			}
		}
	}
	if indexed != 2 {
		t.Errorf("%d Indexed Jobs, want 2 (shared volume and s3/)", indexed)
	}

	b, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.Kind != "Kustomization" || len(k.Resources) == 0 {
		t.Fatalf("kustomization.yaml: %+v", k)
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(r); err != nil {
			t.Errorf("kustomization.yaml names %s: %v", r, err)
		}
	}
	if !slices.Contains(k.Resources, "shards-job.yaml") || slices.Contains(k.Resources, "report-job.yaml") {
		t.Errorf("kustomization.yaml should apply the shards but not the report (it runs after them): %q", k.Resources)
	}
	for _, j := range jobsIn(ms, ".") {
		for _, c := range slices.Concat(j.Spec.Template.Spec.InitContainers, j.Spec.Template.Spec.Containers) {
			if name, _, _ := strings.Cut(c.Image, ":"); !slices.ContainsFunc(k.Images, func(i kustomizeImage) bool { return i.Name == name }) {
				t.Errorf("job %s: image %s is not under kustomization.yaml's images:", j.Name, c.Image)
			}
		}
	}
}

// TestDecodeStrictRejects shows the strict decoding is looking: a
// misspelt field, a wrong type and an unknown kind are errors.
func TestDecodeStrictRejects(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: batch/v1\nkind: Job\nspec:\n  completionz: 4\n",
		"apiVersion: batch/v1\nkind: Job\nspec:\n  completions: four\n",
		"apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          argz: [run]\n",
		"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n  a: c\n",
		"apiVersion: apps/v1\nkind: Deployment\n",
	} {
		if _, err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("decoded without error:\n%s", doc)
		}
	}
	if _, err := decodeStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completions: 4\n")); err != nil {
		t.Errorf("a valid Job: %v", err)
	}
}
