# Shared by bin/hftp and bin/hftp-server, which source it after setting HFTP_HOME: which java, which flags.

# Sets HFTP_JAVA to a java of version 17 or newer and HFTP_JVM_OPTIONS to the flags, or says why not and exits 1.
hftp_java_or_exit() {
    if [ -n "${JAVA_HOME:-}" ]; then
        HFTP_JAVA=$JAVA_HOME/bin/java
        if [ ! -x "$HFTP_JAVA" ]; then
            echo "$1: JAVA_HOME is $JAVA_HOME, which has no bin/java: point it at a JDK 17 or newer, or unset it" >&2
            exit 1
        fi
    else
        HFTP_JAVA=$(command -v java) || {
            echo "$1: no java on the PATH: install a JDK 17 or newer (Debian: apt-get install openjdk-17-jre-headless), or set JAVA_HOME" >&2
            exit 1
        }
    fi
    version=$("$HFTP_JAVA" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\)[."].*/\1/p' | head -n 1)
    if [ -z "$version" ] || [ "$version" -lt 17 ]; then
        echo "$1: $HFTP_JAVA is Java ${version:-of an unknown version}; Java 17 or newer is needed (set JAVA_HOME)" >&2
        exit 1
    fi
    HFTP_JVM_OPTIONS=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HFTP_HOME/conf/jvm.options" 2>/dev/null | tr '\n' ' ')
    HFTP_JVM_OPTIONS="$HFTP_JVM_OPTIONS ${HFTP_JAVA_OPTS:-}"
}
