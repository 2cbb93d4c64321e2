package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Limits that keep a corrupt or hostile header from making Decode allocate
// without bound; real files are far below them.
const (
	maxString  = 1 << 20
	maxArray   = 1 << 24
	maxCount   = 1 << 20
	maxDims    = 4 // GGML_MAX_DIMS
	maxEntries = 1 << 24
)

// ErrFormat is wrapped by every error about malformed input.
var ErrFormat = errors.New("gguf: malformed file")

// Decode reads a GGUF v3 header (metadata and tensor infos) from r. It does
// not read tensor data; use File.TensorData with the same file for that.
// Errors name the byte offset where decoding failed.
func Decode(r io.Reader) (*File, error) {
	d := &reader{r: bufio.NewReaderSize(r, 1<<16)}
	f, err := d.file()
	if err != nil {
		return nil, fmt.Errorf("%w: at byte %d: %w", ErrFormat, d.n, err)
	}
	return f, nil
}

func (d *reader) file() (*File, error) {
	magic := make([]byte, 4)
	if err := d.full(magic); err != nil {
		return nil, err
	}
	if string(magic) != Magic {
		return nil, fmt.Errorf("magic %q, want %q", magic, Magic)
	}
	f := &File{}
	var err error
	if f.Version, err = d.u32(); err != nil {
		return nil, err
	}
	if f.Version != Version {
		return nil, fmt.Errorf("version %d, only %d is supported", f.Version, Version)
	}
	nTensors, err := d.u64()
	if err != nil {
		return nil, err
	}
	nKV, err := d.u64()
	if err != nil {
		return nil, err
	}
	if nTensors > maxCount || nKV > maxCount {
		return nil, fmt.Errorf("%d tensors and %d metadata entries exceed the limit %d", nTensors, nKV, maxCount)
	}
	for range nKV {
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, fmt.Errorf("metadata %q: %w", key, err)
		}
		f.Metadata = append(f.Metadata, KV{Key: key, Value: v})
	}
	align := f.Alignment()
	if align&(align-1) != 0 {
		return nil, fmt.Errorf("general.alignment %d is not a power of two", align)
	}
	for range nTensors {
		var t TensorInfo
		if t.Name, err = d.str(); err != nil {
			return nil, err
		}
		nDims, err := d.u32()
		if err != nil {
			return nil, err
		}
		if nDims == 0 || nDims > maxDims {
			return nil, fmt.Errorf("tensor %q: %d dims, want 1..%d", t.Name, nDims, maxDims)
		}
		for range nDims {
			dim, err := d.u64()
			if err != nil {
				return nil, err
			}
			if dim == 0 || dim > maxEntries {
				return nil, fmt.Errorf("tensor %q: dim %d out of range", t.Name, dim)
			}
			t.Dims = append(t.Dims, dim)
		}
		typ, err := d.u32()
		if err != nil {
			return nil, err
		}
		t.Type = TensorType(typ)
		if t.Offset, err = d.u64(); err != nil {
			return nil, err
		}
		if t.Offset%align != 0 {
			return nil, fmt.Errorf("tensor %q: offset %d is not a multiple of the alignment %d", t.Name, t.Offset, align)
		}
		f.Tensors = append(f.Tensors, t)
	}
	f.DataOffset = alignUp(d.n, align)
	return f, nil
}

// TensorData reads the named tensor's bytes from r, which must be the file
// that f was decoded from.
func (f *File) TensorData(r io.ReaderAt, name string) ([]byte, error) {
	for _, t := range f.Tensors {
		if t.Name != name {
			continue
		}
		size := t.Size()
		if size == 0 {
			return nil, fmt.Errorf("gguf: tensor %q: type %d has no known element size", name, t.Type)
		}
		buf := make([]byte, size)
		if _, err := r.ReadAt(buf, int64(f.DataOffset+t.Offset)); err != nil {
			return nil, fmt.Errorf("gguf: tensor %q: %w", name, err)
		}
		return buf, nil
	}
	return nil, fmt.Errorf("gguf: no tensor %q", name)
}

// reader counts the bytes it has consumed so errors and the data offset can
// name positions.
type reader struct {
	r   *bufio.Reader
	n   uint64
	buf [8]byte
}

func (d *reader) full(b []byte) error {
	n, err := io.ReadFull(d.r, b)
	d.n += uint64(n)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (d *reader) u8() (uint8, error) {
	err := d.full(d.buf[:1])
	return d.buf[0], err
}

func (d *reader) u16() (uint16, error) {
	err := d.full(d.buf[:2])
	return binary.LittleEndian.Uint16(d.buf[:2]), err
}

func (d *reader) u32() (uint32, error) {
	err := d.full(d.buf[:4])
	return binary.LittleEndian.Uint32(d.buf[:4]), err
}

func (d *reader) u64() (uint64, error) {
	err := d.full(d.buf[:8])
	return binary.LittleEndian.Uint64(d.buf[:8]), err
}

func (d *reader) str() (string, error) {
	n, err := d.u64()
	if err != nil {
		return "", err
	}
	if n > maxString {
		return "", fmt.Errorf("string of %d bytes exceeds the limit %d", n, maxString)
	}
	b := make([]byte, n)
	if err := d.full(b); err != nil {
		return "", err
	}
	return string(b), nil
}

// value reads a type tag and the value it announces.
func (d *reader) value() (any, error) {
	t, err := d.u32()
	if err != nil {
		return nil, err
	}
	if ValueType(t) != TypeArray {
		return d.scalar(ValueType(t))
	}
	elem, err := d.u32()
	if err != nil {
		return nil, err
	}
	n, err := d.u64()
	if err != nil {
		return nil, err
	}
	if n > maxArray {
		return nil, fmt.Errorf("array of %d elements exceeds the limit %d", n, maxArray)
	}
	switch ValueType(elem) {
	case TypeUint8:
		return readArray[uint8](d, elem, n)
	case TypeInt8:
		return readArray[int8](d, elem, n)
	case TypeUint16:
		return readArray[uint16](d, elem, n)
	case TypeInt16:
		return readArray[int16](d, elem, n)
	case TypeUint32:
		return readArray[uint32](d, elem, n)
	case TypeInt32:
		return readArray[int32](d, elem, n)
	case TypeFloat32:
		return readArray[float32](d, elem, n)
	case TypeBool:
		return readArray[bool](d, elem, n)
	case TypeString:
		return readArray[string](d, elem, n)
	case TypeUint64:
		return readArray[uint64](d, elem, n)
	case TypeInt64:
		return readArray[int64](d, elem, n)
	case TypeFloat64:
		return readArray[float64](d, elem, n)
	}
	return nil, fmt.Errorf("unsupported array element type %d", elem)
}

// readArray grows the slice as elements arrive rather than trusting n, so a
// truncated file fails fast instead of allocating n elements first.
func readArray[T any](d *reader, elem uint32, n uint64) ([]T, error) {
	out := make([]T, 0, min(n, 1024))
	for range n {
		v, err := d.scalar(ValueType(elem))
		if err != nil {
			return nil, err
		}
		out = append(out, v.(T))
	}
	return out, nil
}

// scalar reads one non-array value of type t.
func (d *reader) scalar(t ValueType) (any, error) {
	switch t {
	case TypeUint8:
		return d.u8()
	case TypeInt8:
		v, err := d.u8()
		return int8(v), err
	case TypeUint16:
		return d.u16()
	case TypeInt16:
		v, err := d.u16()
		return int16(v), err
	case TypeUint32:
		return d.u32()
	case TypeInt32:
		v, err := d.u32()
		return int32(v), err
	case TypeFloat32:
		v, err := d.u32()
		return math.Float32frombits(v), err
	case TypeBool:
		v, err := d.u8()
		if err == nil && v > 1 {
			return nil, fmt.Errorf("bool value %d", v)
		}
		return v == 1, err
	case TypeString:
		return d.str()
	case TypeUint64:
		return d.u64()
	case TypeInt64:
		v, err := d.u64()
		return int64(v), err
	case TypeFloat64:
		v, err := d.u64()
		return math.Float64frombits(v), err
	}
	return nil, fmt.Errorf("unsupported value type %d", t)
}
