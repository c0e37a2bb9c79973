"""Importing this module imports TensorFlow without its start-up lines on standard error.

Every subpackage that needs TensorFlow (and the command lines) imports it first, so the
first `import tensorflow` of a process is this quiet one; `keras_redact.serving` does not,
and stays importable without TensorFlow.
"""


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow without its start-up lines on standard error.

    TensorFlow's native libraries print INFO lines when they load (oneDNN, "Could not find
    cuda drivers" and "failed call to cuInit" on CPU machines, CPU features), before any
    logging setting can apply.
    They are written to a temporary file instead; any other line (a real error) is passed
    on to standard error.
    """
    import os
    import re
    import sys
    import tempfile

    if "tensorflow" in sys.modules:
        return
    startup = re.compile(r"absl::InitializeLog|port\.cc|cudart_stub|cuda_dnn|cuda_fft|"
                         r"cuda_blas|cpu_feature_guard|AVX|computation_placer|"
                         r"rebuild TensorFlow|cuInit|cuda_platform|cuda_executor|gpu_device")
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no file descriptor 2 (some embedded interpreters)
        import tensorflow  # noqa: F401
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices("GPU")  # loads the device platforms
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines():
                if line.strip() and not startup.search(line):
                    print(line, file=sys.stderr)


import_tensorflow_quietly()
