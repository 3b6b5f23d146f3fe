# The core in a container, started with the README's own command (bash scripts/start.sh).
# Not built in CI: this machine has no container engine. Every step is a README command.
FROM python:3.11-slim

WORKDIR /srv/supertokens-core
COPY . .

# scripts/start.sh installs on its first run and skips it while nothing changed; running
# its install step here keeps the container's start as fast as a second run.
RUN SUPERTOKENS_INSTALL_ONLY=1 bash scripts/start.sh

# Listen on every interface of the container; the rest comes from config.yaml or
# SUPERTOKENS_<KEY> variables (deploy/compose.yaml sets the database and the api key).
ENV SUPERTOKENS_HOST=0.0.0.0
EXPOSE 3567
HEALTHCHECK --interval=10s --timeout=3s CMD python3 -c "import urllib.request as r; r.urlopen('http://127.0.0.1:3567/health/ready', timeout=2)"
CMD ["bash", "scripts/start.sh"]
