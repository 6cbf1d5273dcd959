# Turn a data file into a C source file holding it as a NUL-terminated array,
# so the binary carries its defaults without looking for files at run time.
#   cmake -DINPUT=detectors/defaults.json -DOUTPUT=defaults_data.c -DSYMBOL=slugc_defaults_json -P embed.cmake
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n\t" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp" "/* Generated from ${INPUT} by detectors/embed.cmake; do not edit. */\n"
  "const char ${SYMBOL}[] = {\n\t${bytes}0x00\n};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
