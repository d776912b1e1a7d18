package ciroles

import (
	"strings"
)

// This file derives the rights a Pulumi command needs on a self-managed
// state backend in S3 and on the secrets provider's KMS key, from where the
// Pulumi CLI v3.276.0 keeps what (github.com/pulumi/pulumi/pkg/v3 backend/diy:
// backend.go, state.go, lock.go, stack_tags.go, meta.go; secrets/cloud):
//
//	PREFIX/.pulumi/meta.yaml                                  read when the backend opens; written once, by the first command on an empty backend
//	PREFIX/.pulumi/stacks/PROJECT/STACK.json[.bak|.gz]        the checkpoint (preview reads it; up, destroy, stack init and rm write it, copying it to .bak first)
//	PREFIX/.pulumi/stacks/PROJECT/STACK.pulumi-tags           the stack's tags (read by every operation, written by stack tag set/rm)
//	PREFIX/.pulumi/locks/organization/PROJECT/STACK/*.json    the lock of an update (up, destroy, stack init, rm; cancel deletes it)
//	PREFIX/.pulumi/history/PROJECT/STACK/*                    each update's history and checkpoint
//	PREFIX/.pulumi/backups/PROJECT/STACK/*                    a backup of the checkpoint after each update
//
// stack ls lists PREFIX/.pulumi/stacks/ and reads every stack's checkpoint
// (backend.go ListStacks: getCheckpoint, which decrypts nothing). The
// checkpoint's secrets provider is loaded, with one kms:Decrypt of its data
// key, by every command that reads a stack's state or configuration
// (stack/secrets.go, resource/stack/deployment.go); a new stack's data key is
// made with kms:Encrypt (secrets/cloud/manager.go).

// bucketAndPrefix splits s3://BUCKET/PREFIX.
func bucketAndPrefix(url string) (bucket, prefix string) {
	rest := strings.TrimPrefix(url, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix
}

// stateBucket adds the listing of the state bucket. It is not confined to
// the backend's prefix: without s3:ListBucket, S3 answers a read of a key
// that does not exist (a stack's first checkpoint, its tags before any is
// set) with 403 instead of 404 (S3 API Reference, GetObject and HeadObject:
// "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP
// status code 403"), and the CLI takes only a 404 for "absent". It lists key
// names, never their content; give each team a bucket of its own where
// names matter.
func (b *builder) stateBucket(bucket string) {
	b.allow("StateBucket", []string{"s3:ListBucket"}, []string{"arn:" + b.scope.Partition + ":s3:::" + bucket}, nil)
}

// state adds reading (or with write, also writing) the state of stacks of
// project on backend, and the secrets provider's key; with create, the
// backend's meta.yaml, which the first command on an empty backend writes.
func (b *builder) state(backend Backend, project string, stacks []string, write, create bool) {
	bucket, prefix := bucketAndPrefix(backend.URL)
	b.stateBucket(bucket)
	obj := func(key string) string {
		return "arn:" + b.scope.Partition + ":s3:::" + bucket + "/" + prefix + ".pulumi/" + key
	}
	read := []string{obj("meta.yaml")}
	var written []string
	for _, st := range stacks {
		// dev.json, dev.json.bak, dev.pulumi-tags (not dev2.json), and
		// dev/ under locks, history and backups; pr-* for every pr- stack.
		files, dir := st, st
		if !strings.HasSuffix(st, "*") {
			files, dir = st+".*", st+"/*"
		}
		stackFiles := obj("stacks/" + project + "/" + files)
		read = append(read, stackFiles)
		written = append(written, stackFiles,
			obj("locks/organization/"+project+"/"+dir),
			obj("history/"+project+"/"+dir),
			obj("backups/"+project+"/"+dir))
	}
	key := "State" + sidWord(backendName(bucket, prefix))
	b.allow(key+"Read", []string{"s3:GetObject"}, read, nil)
	if write {
		b.allow(key+"Write", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, written, nil)
	}
	if create {
		b.allow(key+"Meta", []string{"s3:PutObject"}, []string{obj("meta.yaml")}, nil)
	}
	b.allow("Secrets", []string{"kms:Decrypt"}, []string{"KMS_KEY_ARN"}, nil)
}

// stateList adds `pulumi stack ls --all` on backend: the listing and every
// stack's checkpoint and tags.
func (b *builder) stateList(backend Backend, project string) {
	bucket, prefix := bucketAndPrefix(backend.URL)
	b.stateBucket(bucket)
	obj := "arn:" + b.scope.Partition + ":s3:::" + bucket + "/" + prefix + ".pulumi/"
	b.allow("State"+sidWord(backendName(bucket, prefix))+"List", []string{"s3:GetObject"}, []string{obj + "meta.yaml", obj + "stacks/*"}, nil)
}

// backendName names a backend in statement IDs by its prefix placeholder.
func backendName(bucket, prefix string) string {
	switch strings.TrimSuffix(prefix, "/") {
	case "STATE_PREFIX":
		return "dev"
	case "REVIEW_STATE_PREFIX":
		return "review"
	}
	return "backend"
}
