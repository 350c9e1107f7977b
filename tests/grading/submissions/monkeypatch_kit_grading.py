# affects: all
# message: no answer|answer channel|not a driver
# Replaces the kit's encoder in the child so that every answer claims success with no data.
import kit.grading.protocol

kit.grading.protocol.encode = lambda value: b'{"ok": true, "value": {}}'
