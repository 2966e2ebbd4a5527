# Shared by bin/hftp and bin/hftp-server, which source it after setting HFTP_HOME: which java, which flags.

# The feature version of java $1 (17 for 17.0.15): from the release file of its JDK or JRE, which every build
# since Java 9 has, so that no JVM is started only to ask (that took 0.1 s, a tenth of a short command);
# from java -version when there is no such file.
hftp_java_version() {
    release=$(dirname -- "$(dirname -- "$(readlink -f -- "$1" 2>/dev/null || echo "$1")")")/release
    if [ -r "$release" ]; then
        sed -n -e 's/^JAVA_VERSION="1\.\([0-9]*\).*/\1/p' -e 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$release" | head -n 1
    else
        "$1" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\)[."].*/\1/p' | head -n 1
    fi
}

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
    version=$(hftp_java_version "$HFTP_JAVA")
    if [ -z "$version" ] || [ "$version" -lt 17 ]; then
        echo "$1: $HFTP_JAVA is Java ${version:-of an unknown version}; Java 17 or newer is needed (set JAVA_HOME)" >&2
        exit 1
    fi
    HFTP_JVM_OPTIONS=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HFTP_HOME/conf/jvm.options" 2>/dev/null | tr '\n' ' ')
    HFTP_JVM_OPTIONS="$HFTP_JVM_OPTIONS ${HFTP_JAVA_OPTS:-}"
}
