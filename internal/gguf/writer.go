package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Encode writes a GGUF v3 file with the given metadata and tensors to w.
// Tensor offsets and padding follow general.alignment when it is present in
// metadata (as a uint32), else DefaultAlignment. Encode checks that each
// tensor's data length matches its dims and type, and that names are unique,
// because a loader would reject such a file with a far less useful message.
func Encode(w io.Writer, metadata []KV, tensors []Tensor) error {
	f := File{Metadata: metadata}
	align := f.Alignment()
	if align&(align-1) != 0 {
		return fmt.Errorf("gguf: alignment %d is not a power of two", align)
	}

	seen := make(map[string]bool, len(tensors))
	infos := make([]TensorInfo, len(tensors))
	var offset uint64
	var errs []error
	for i, t := range tensors {
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("gguf: duplicate tensor %q", t.Name))
		}
		seen[t.Name] = true
		info := TensorInfo{Name: t.Name, Dims: t.Dims, Type: t.Type, Offset: offset}
		if size := info.Size(); size != 0 && size != uint64(len(t.Data)) {
			errs = append(errs, fmt.Errorf("gguf: tensor %q: %d bytes of data, dims %v need %d", t.Name, len(t.Data), t.Dims, size))
		}
		infos[i] = info
		offset = alignUp(offset+uint64(len(t.Data)), align)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	bw := &writer{w: bufio.NewWriterSize(w, 1<<16)}
	bw.bytes([]byte(Magic))
	bw.u32(Version)
	bw.u64(uint64(len(tensors)))
	bw.u64(uint64(len(metadata)))
	for _, kv := range metadata {
		bw.str(kv.Key)
		if err := bw.value(kv.Value); err != nil {
			return fmt.Errorf("gguf: metadata %q: %w", kv.Key, err)
		}
	}
	for _, info := range infos {
		bw.str(info.Name)
		bw.u32(uint32(len(info.Dims)))
		for _, d := range info.Dims {
			bw.u64(d)
		}
		bw.u32(uint32(info.Type))
		bw.u64(info.Offset)
	}
	bw.pad(align)
	start := bw.n
	for _, t := range tensors {
		bw.bytes(t.Data)
		bw.padFrom(start, align)
	}
	if bw.err != nil {
		return fmt.Errorf("gguf: write: %w", bw.err)
	}
	if err := bw.w.Flush(); err != nil {
		return fmt.Errorf("gguf: write: %w", err)
	}
	return nil
}

// writer accumulates the first error so that the encoder reads straight
// through, and counts bytes for padding.
type writer struct {
	w   *bufio.Writer
	n   uint64
	err error
	buf [8]byte
}

func (w *writer) bytes(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.n += uint64(n)
	w.err = err
}

func (w *writer) u8(v uint8) { w.bytes([]byte{v}) }

func (w *writer) u16(v uint16) {
	binary.LittleEndian.PutUint16(w.buf[:2], v)
	w.bytes(w.buf[:2])
}

func (w *writer) u32(v uint32) {
	binary.LittleEndian.PutUint32(w.buf[:4], v)
	w.bytes(w.buf[:4])
}

func (w *writer) u64(v uint64) {
	binary.LittleEndian.PutUint64(w.buf[:8], v)
	w.bytes(w.buf[:8])
}

func (w *writer) str(s string) {
	w.u64(uint64(len(s)))
	w.bytes([]byte(s))
}

// pad writes zero bytes up to the next multiple of align from the file start.
func (w *writer) pad(align uint64) { w.padFrom(0, align) }

// padFrom writes zero bytes up to the next multiple of align counted from start.
func (w *writer) padFrom(start, align uint64) {
	rel := w.n - start
	if p := alignUp(rel, align) - rel; p > 0 {
		w.bytes(make([]byte, p))
	}
}

// value writes a type tag and a value.
func (w *writer) value(v any) error {
	t, elem, err := valueType(v)
	if err != nil {
		return err
	}
	w.u32(uint32(t))
	if t != TypeArray {
		w.scalar(v)
		return nil
	}
	w.u32(uint32(elem))
	switch a := v.(type) {
	case []uint8:
		w.u64(uint64(len(a)))
		w.bytes(a)
	case []int8:
		writeArray(w, a)
	case []uint16:
		writeArray(w, a)
	case []int16:
		writeArray(w, a)
	case []uint32:
		writeArray(w, a)
	case []int32:
		writeArray(w, a)
	case []float32:
		writeArray(w, a)
	case []bool:
		writeArray(w, a)
	case []string:
		writeArray(w, a)
	case []uint64:
		writeArray(w, a)
	case []int64:
		writeArray(w, a)
	case []float64:
		writeArray(w, a)
	}
	return nil
}

func writeArray[T any](w *writer, a []T) {
	w.u64(uint64(len(a)))
	for _, e := range a {
		w.scalar(e)
	}
}

// scalar writes a non-array value without its type tag.
func (w *writer) scalar(v any) {
	switch x := v.(type) {
	case uint8:
		w.u8(x)
	case int8:
		w.u8(uint8(x))
	case uint16:
		w.u16(x)
	case int16:
		w.u16(uint16(x))
	case uint32:
		w.u32(x)
	case int32:
		w.u32(uint32(x))
	case float32:
		w.u32(math.Float32bits(x))
	case bool:
		if x {
			w.u8(1)
		} else {
			w.u8(0)
		}
	case string:
		w.str(x)
	case uint64:
		w.u64(x)
	case int64:
		w.u64(uint64(x))
	case float64:
		w.u64(math.Float64bits(x))
	}
}
