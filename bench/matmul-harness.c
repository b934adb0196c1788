// GEMM tuning harness (bench/matmul-harness.sh): built-in kernels against OpenBLAS, alternating, in one process.
/* Times are the calling thread's CPU time, robust to a loaded machine but only right for 1 thread: WALL=1 gives
 * wall-clock time, which threads > 1 need. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "gemm.h"
#include "pool.h"
void openblas_set_num_threads(int);
static double now(){struct timespec t;clock_gettime(getenv("WALL")?CLOCK_MONOTONIC:CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  int m=atoi(argv[1]),k=atoi(argv[2]),n=atoi(argv[3]);int th=argc>4?atoi(argv[4]):1;int rounds=argc>5?atoi(argv[5]):7;
  openblas_set_num_threads(th); ft_set_threads(th);
  float*a=aligned_alloc(64,sizeof(float)*m*k),*b=aligned_alloc(64,sizeof(float)*k*n),*c=aligned_alloc(64,sizeof(float)*m*n),*c2=aligned_alloc(64,sizeof(float)*m*n);
  for(long i=0;i<(long)m*k;i++)a[i]=rand()/(float)RAND_MAX-.5f;
  for(long i=0;i<(long)k*n;i++)b[i]=rand()/(float)RAND_MAX-.5f;
  double fl=2.0*m*n*k;
  for(int t=0;t<4;t++){int ta=t>>1,tb=t&1;
    double rat[64],go[64],gb[64];
    for(int r=0;r<rounds;r++){
      double t0=now(); ft_gemm_batched(ta,tb,1,m,n,k,1,a,0,ta?m:k,b,0,tb?k:n,0,c,0,n); double t1=now();
      cblas_sgemm(CblasRowMajor,ta?CblasTrans:CblasNoTrans,tb?CblasTrans:CblasNoTrans,m,n,k,1,a,ta?m:k,b,tb?k:n,0,c2,n); double t2=now();
      go[r]=fl/(t1-t0)/1e6; gb[r]=fl/(t2-t1)/1e6; rat[r]=go[r]/gb[r];
    }
    double md=0; for(long i=0;i<(long)m*n;i++){double d=c[i]-c2[i]; if(d<0)d=-d; if(d>md)md=d;}
    qsort(rat,rounds,8,cmp);qsort(go,rounds,8,cmp);qsort(gb,rounds,8,cmp);
    printf("%dx%dx%d %c%c th=%d ours %.1f blas %.1f ratio %.3f maxdiff %.2g\n",m,k,n,ta?'T':'N',tb?'T':'N',th,go[rounds/2],gb[rounds/2],rat[rounds/2],md);
  }
}
