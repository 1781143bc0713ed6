# The Airflow image of docker-compose.yml: the official image plus what the pipeline needs at run time:
# - LibreOffice (converts legacy .doc reports; without it every .doc is quarantined) and CJK fonts;
# - the runtime packages of requirements.lock, at exactly the versions the tests ran with (no test tools:
#   those are in requirements-dev.lock). The lock pins apache-airflow to the image's own version and lists
#   every dependency, so it is installed without resolving anything again (--no-deps).
# The project itself is mounted at /opt/transparency, not copied; the services run as AIRFLOW_UID (the
# image's non-root user `airflow` by default), which owns var/ there (see airflow-init).
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk fonts-wqy-microhei \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

USER airflow
COPY requirements.lock /tmp/requirements.lock
RUN grep -qx "apache-airflow==${AIRFLOW_VERSION}" /tmp/requirements.lock \
 || { echo "requirements.lock does not pin apache-airflow==${AIRFLOW_VERSION}, the image's version" >&2; exit 1; }
RUN pip install --no-cache-dir --no-deps -r /tmp/requirements.lock
